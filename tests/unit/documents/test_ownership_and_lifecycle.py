"""Isolation between learners, the event history, deletion, rebuild_documents and upcasting."""

from io import StringIO
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.documents import lifecycle, services
from apps.documents.models import Chunk, Document, DocumentEvent, Page
from apps.documents.services import documents_erase_owner
from apps.jobs.models import Job
from eventbus.models import OutboxEvent
from tests.factories import ChunkFactory, DocumentEventFactory, PageFactory, make_document
from tests.fixtures.documents import pdf_bytes

pytestmark = pytest.mark.django_db

ENDPOINTS = ["", "history/", "chunks/", "pages/", "file/", "file-url/"]


@pytest.fixture
def document_id(upload: Any) -> int:
    return int(upload(pdf_bytes(page_count=2), title="Mine").json()["id"])


@pytest.fixture
def made_document(user: Any) -> Document:
    """A processed document of ``user`` with a page and a chunk, made through its events (no upload)."""
    document = make_document(owner=user, processed=True)
    PageFactory(document=document, number=1)
    ChunkFactory(document=document)
    return document


@pytest.mark.parametrize("suffix", ENDPOINTS, ids=lambda s: s or "detail")
def test_another_learner_gets_404_everywhere(
    made_document: Document, other_user: Any, client_for: Any, suffix: str
) -> None:
    response = client_for(other_user).get(f"/api/v1/documents/{made_document.pk}/{suffix}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_learner_cannot_delete_or_list(made_document: Document, other_user: Any, client_for: Any) -> None:
    client = client_for(other_user)

    assert client.delete(f"/api/v1/documents/{made_document.pk}/").status_code == 404
    assert client.get("/api/v1/documents/").json()["results"] == []
    assert Document.objects.get(pk=made_document.pk).status == "processed"


def test_the_owner_downloads_the_file_as_an_attachment(document_id: int, auth_client: Any) -> None:
    response = auth_client.get(f"/api/v1/documents/{document_id}/file/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_owner_lists_reads_and_pages_chunks(document_id: int, auth_client: Any) -> None:
    listing = auth_client.get("/api/v1/documents/").json()
    detail = auth_client.get(f"/api/v1/documents/{document_id}/").json()
    chunks = auth_client.get(f"/api/v1/documents/{document_id}/chunks/").json()

    assert [d["id"] for d in listing["results"]] == [document_id]
    assert (detail["status"], detail["page_count"]) == ("processed", 2)
    assert chunks["results"][0]["page_number"] == 1


def test_history_is_the_audit_trail(document_id: int, auth_client: Any) -> None:
    history = auth_client.get(f"/api/v1/documents/{document_id}/history/").json()

    types = [e["type"] for e in history]
    assert types[:3] == ["uploaded", "extraction_requested", "extraction_started"]
    assert types[-1] == "processed"
    assert [e["sequence"] for e in history] == list(range(1, len(history) + 1))
    assert history[-1]["data"] == {"page_count": 2, "chunk_count": Document.objects.get(pk=document_id).chunk_count}


def test_events_go_through_the_outbox(document_id: int) -> None:
    topics = list(
        OutboxEvent.objects.filter(topic__startswith="document.").order_by("id").values_list("topic", flat=True)
    )

    assert topics == ["document.uploaded", "document.processed"]


def test_delete_removes_file_and_text_and_is_in_the_history(
    document_id: int, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stored = Document.objects.get(pk=document_id).storage_name
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(f"/api/v1/documents/{document_id}/")

    assert response.status_code == 204
    assert not default_storage.exists(stored)
    assert not Page.objects.filter(document_id=document_id).exists()
    assert not Chunk.objects.filter(document_id=document_id).exists()
    assert auth_client.get(f"/api/v1/documents/{document_id}/").status_code == 404
    assert lifecycle.events_of(document_id)[-1].type == "deleted"
    assert OutboxEvent.objects.filter(topic="document.deleted").count() == 1
    assert list(Job.objects.filter(kind="documents.delete_file").values_list("status", flat=True)) == ["succeeded"]


def test_stale_writers_conflict(made_document: Document) -> None:
    first = Document.objects.get(pk=made_document.pk)
    second = Document.objects.get(pk=made_document.pk)
    lifecycle.append(first, lifecycle.EXTRACTION_REQUESTED, {"job_id": 99})

    with pytest.raises(lifecycle.ConcurrencyConflict):
        lifecycle.append(second, lifecycle.EXTRACTION_REQUESTED, {"job_id": 100})


def test_a_stale_writer_conflicts_before_writing_and_its_transaction_goes_on(made_document: Document) -> None:
    stale = Document.objects.get(pk=made_document.pk)
    lifecycle.append(Document.objects.get(pk=made_document.pk), lifecycle.EXTRACTION_REQUESTED, {"job_id": 99})
    events_before = lifecycle.events_of(made_document.pk)

    with transaction.atomic():
        with pytest.raises(lifecycle.ConcurrencyConflict):
            lifecycle.append(stale, lifecycle.EXTRACTION_REQUESTED, {"job_id": 100})
        # No savepoint was rolled back: nothing was written, and the same transaction retries from a re-read.
        assert lifecycle.events_of(made_document.pk) == events_before
        retried = lifecycle.append_with_retry(
            made_document.pk, lifecycle.EXTRACTION_REQUESTED, {"job_id": 100}, known=stale
        )

    assert retried is not None
    assert retried.version == events_before[-1].sequence + 1
    assert [e.data for e in lifecycle.events_of(made_document.pk)[-2:]] == [{"job_id": 99}, {"job_id": 100}]
    assert lifecycle.state_of(Document.objects.get(pk=made_document.pk)) == lifecycle.fold(
        lifecycle.events_of(made_document.pk)
    )


def test_an_appended_event_and_its_projection_share_the_time_stamp(made_document: Document) -> None:
    document = lifecycle.append(made_document, lifecycle.EXTRACTION_REQUESTED, {"job_id": 7})

    stored = Document.objects.get(pk=document.pk)
    assert stored.updated_at == lifecycle.events_of(document.pk)[-1].occurred_at == document.updated_at
    assert lifecycle.state_of(stored) == lifecycle.state_of(document)


def test_rebuild_reproduces_hundreds_of_documents(user: Any) -> None:
    ids = [make_document(owner=user, processed=n % 2 == 0, page_count=n % 7 + 1).pk for n in range(200)]
    for document_id in ids[:20]:
        services.document_delete(owner_id=user.pk, document_id=document_id)
    before = {d.pk: lifecycle.state_of(d) for d in Document.objects.all()}
    Document.objects.update(status="uploaded", title="scrambled", chunk_count=0, version=0)

    out = StringIO()
    call_command("rebuild_documents", stdout=out)

    after = {d.pk: lifecycle.state_of(d) for d in Document.objects.all()}
    assert after == before
    assert out.getvalue().startswith("200 document streams replayed; 200 were rewritten")
    call_command("rebuild_documents", "--check", stdout=StringIO())  # raises if anything differs


def test_old_event_versions_are_upcast_when_read(user: Any) -> None:
    now = timezone.now()
    document = Document.objects.create(
        owner=user, title="", original_name="", media_type="", source_kind="", size_bytes=0, sha256="",
        created_at=now, updated_at=now,
    )  # fmt: skip
    DocumentEventFactory(
        document_id=document.pk,
        owner_id=user.pk,
        schema_version=1,
        data={
            "name": "old.pdf",
            "mime": "application/pdf",
            "size": 10,
            "sha256": "ab",
            "path": "x/y.pdf",
            "kind": "pdf",
        },
    )

    services.documents_rebuild()

    rebuilt = Document.objects.get(pk=document.pk)
    assert (rebuilt.title, rebuilt.original_name, rebuilt.size_bytes, rebuilt.course) == ("old.pdf", "old.pdf", 10, "")
    assert lifecycle.events_of(document.pk)[0].schema_version == 2


def test_erasing_a_learner_removes_documents_events_and_files(document_id: int, user: Any) -> None:
    stored = Document.objects.get(pk=document_id).storage_name

    documents_erase_owner(owner_id=user.pk)

    assert not Document.objects.filter(owner=user).exists()
    assert not DocumentEvent.objects.filter(owner_id=user.pk).exists()
    assert not default_storage.exists(stored)


def test_deleting_during_extraction_stops_the_job_cleanly(
    upload: Any, user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.documents import processing

    settings.DOCUMENTS_PAGE_BATCH = 1
    real_flush = processing._flush

    def flush_then_delete(document_id: int, batch: Any, counts: Any) -> None:
        real_flush(document_id, batch, counts)
        services.document_delete(owner_id=user.pk, document_id=document_id)

    monkeypatch.setattr(processing, "_flush", flush_then_delete)

    document_id = upload(pdf_bytes(page_count=4)).json()["id"]

    job = Job.objects.get(kind="documents.extract", subject_id=str(document_id))
    assert (job.status, job.result) == ("succeeded", {"skipped": "document deleted during extraction"})
    assert Document.objects.get(pk=document_id).status == "deleted"
    assert not Page.objects.filter(document_id=document_id).exists()
    assert [e.type for e in lifecycle.events_of(document_id)][-1] == "deleted"
