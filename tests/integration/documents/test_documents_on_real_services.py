"""Documents on the real services: S3 storage (SeaweedFS), PostgreSQL, and real Celery workers over Redis,
one of which is killed with SIGKILL in the middle of an extraction."""

import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from apps.documents import lifecycle
from apps.documents.models import Document, Page
from apps.jobs.models import Job
from tests.factories import UserFactory
from tests.fixtures.documents import corpus, pdf_bytes
from tests.integration.conftest import celery_worker, child_env, django_python, wait_until
from tests.services import stop_worker

pytestmark = pytest.mark.integration


def _fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback URL from the test
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.mark.django_db
def test_s3_storage_upload_extract_download_and_delete(
    s3_endpoint: str,
    upload_as: Any,
    user: Any,
    auth_client: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.EVENTBUS_TRANSPORT = "inprocess"  # the documents handler runs here, after commit
    assert type(default_storage._wrapped).__name__ == "S3Storage"  # type: ignore[attr-defined]
    content = corpus("issue-598-example.pdf")

    document_id = upload_as(auth_client, content, "earth.pdf")

    document = Document.objects.get(pk=document_id)
    assert document.status == "processed", document.failure_reason
    assert Page.objects.get(document=document, number=1).text.startswith("Chapter 1\nWhat is Earth Science?")
    streamed = auth_client.get(f"/api/v1/documents/{document_id}/file/")
    assert b"".join(streamed.streaming_content) == content
    signed = auth_client.get(f"/api/v1/documents/{document_id}/file-url/").json()
    status, headers, body = _fetch(signed["url"])
    assert (status, body == content, signed["expires_in"]) == (200, True, 300)
    assert headers["Content-Disposition"].startswith("attachment;")
    assert _fetch(signed["url"].split("?")[0])[0] == 403  # never a public bucket

    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/documents/{document_id}/").status_code == 204
    assert not default_storage.exists(document.storage_name)


@pytest.fixture
def upload_as(django_capture_on_commit_callbacks: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(client: Any, content: bytes, name: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/documents/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
            )
        assert response.status_code == 201, response.json()
        return int(response.json()["id"])

    return post


def _worker_env(redis_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """Local files, the in-process event transport and a Redis database of its own for the broker."""
    import redis

    env = {
        **{k: v for k, v in child_env().items() if not k.startswith("S3_")},
        "DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/7",
        "EVENTBUS_TRANSPORT": "inprocess",
        "DOCUMENTS_PAGE_BATCH": "8",
        **overrides,
    }
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # no task left over from an earlier run
    return env


def _upload_in_child(env: dict[str, str], owner_id: int, pdf_path: Path) -> int:
    """Uploads from a separate process, so the job goes through the real broker (no eager mode here)."""
    return int(
        django_python(
            env,
            "from apps.documents.services import document_upload\n"
            f"with open({str(pdf_path)!r}, 'rb') as f:\n"
            f"    d = document_upload(owner_id={owner_id}, file=f, file_name='long.pdf',"
            f" size={pdf_path.stat().st_size})\n"
            "print(d.pk)",
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_extraction_is_retried_by_the_reaper(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """SIGKILL leaves the job ``running`` with a lease nobody renews; the reaper re-queues it when the lease
    expires and a second worker completes it, with every page exactly once."""
    user: Any = UserFactory()
    pages = 1500
    pdf_path = tmp_path / "long.pdf"
    pdf_path.write_bytes(pdf_bytes(page_count=pages, lines_per_page=45))
    env = _worker_env(redis_url, tmp_path, JOBS_LEASE_SECONDS="2", DOCUMENTS_EXTRACT_PROCESSES="1")

    first = celery_worker(env)
    try:
        document_id = _upload_in_child(env, user.pk, pdf_path)
        job = lambda: Job.objects.filter(subject_type="document", subject_id=str(document_id)).first()  # noqa: E731
        wait_until(lambda: (j := job()) is not None and j.progress_done > 0, 60, "extraction never started")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()

    killed = job()
    assert killed is not None
    assert (killed.status, killed.attempts) == ("running", 1)
    assert 0 < killed.progress_done < pages

    second = celery_worker(env)
    try:
        time.sleep(2.5)  # the dead worker's lease expires
        report = django_python(env, "from apps.jobs.runner import jobs_reap; print(jobs_reap())")
        assert "requeued=1" in report
        wait_until(lambda: job().status in ("succeeded", "failed"), 120, "the retried job never finished")  # type: ignore[union-attr]
    finally:
        stop_worker(second)

    finished, document = job(), Document.objects.get(pk=document_id)
    assert finished is not None
    assert (finished.status, finished.attempts) == ("succeeded", 2)
    assert (document.status, document.page_count) == ("processed", pages)
    assert list(Page.objects.filter(document=document).values_list("number", flat=True)) == list(range(1, pages + 1))
    starts = [e for e in lifecycle.events_of(document_id) if e.type == "extraction_started"]
    assert [e.data["attempt"] for e in starts] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_extracts_a_long_pdf_in_parallel_processes(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The deployed worker pool (prefork) may start the PDF page processes; the pages come back in order."""
    user: Any = UserFactory()
    pages = 120
    pdf_path = tmp_path / "long.pdf"
    pdf_path.write_bytes(pdf_bytes(page_count=pages))
    env = _worker_env(redis_url, tmp_path, DOCUMENTS_EXTRACT_PROCESSES="2", DOCUMENTS_PARALLEL_MIN_PAGES="48")

    worker = celery_worker(env, pool="prefork")
    try:
        document_id = _upload_in_child(env, user.pk, pdf_path)
        wait_until(
            lambda: Document.objects.get(pk=document_id).status in ("processed", "failed"),
            120,
            "extraction never ended",
        )
    finally:
        stop_worker(worker)

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.page_count) == ("processed", pages), document.failure_reason
    numbers = list(Page.objects.filter(document=document).values_list("number", flat=True))
    assert numbers == list(range(1, pages + 1))
    assert Page.objects.get(document=document, number=77).text.startswith("Page 77 marker.")


@pytest.mark.django_db
def test_rebuild_documents_on_postgresql_reproduces_every_state(
    postgres_url: str, upload_as: Any, auth_client: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.EVENTBUS_TRANSPORT = "inprocess"
    ids = [upload_as(auth_client, f"Section {n}\nEnough text to chunk.".encode(), f"s{n}.txt") for n in range(150)]
    with django_capture_on_commit_callbacks(execute=True):
        for document_id in ids[:15]:
            auth_client.delete(f"/api/v1/documents/{document_id}/")
    before = {d.pk: lifecycle.state_of(d) for d in Document.objects.all()}
    Document.objects.update(status="uploaded", chunk_count=0, page_count=None, version=0)

    call_command("rebuild_documents", stdout=StringIO())

    assert {d.pk: lifecycle.state_of(d) for d in Document.objects.all()} == before
    assert sum(state.status == "deleted" for state in before.values()) == 15
