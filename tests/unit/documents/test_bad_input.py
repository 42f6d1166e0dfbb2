"""Every bad input ends in a 4xx with the error shape at upload, or a failed document with a reason."""

from typing import Any

import pytest

from apps.documents.models import Chunk, Document, Page
from apps.jobs.models import Job
from tests.fixtures.documents import corpus, docx_bytes, image_only_pdf, pdf_bytes, png_bytes, pptx_bytes, zip_bomb_docx

pytestmark = pytest.mark.django_db


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        pytest.param(b"", "empty.pdf", (400, "empty_file"), id="empty-file"),
        pytest.param(corpus("empty.pdf"), "empty.pdf", (400, "empty_file"), id="real-zero-byte-pdf"),
        pytest.param(png_bytes(), "slides.pdf", (415, "unsupported_type"), id="png-named-pdf"),
        pytest.param(b"\x00\x01\x02binary" * 100, "notes.txt", (415, "unsupported_type"), id="binary-named-txt"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.doc", (415, "unsupported_type"), id="ole2"),
        pytest.param(b"PK\x03\x04garbage-not-a-zip", "x.docx", (400, "damaged"), id="broken-zip-named-docx"),
        pytest.param("caf\xe9".encode("latin-1") * 10, "latin1.txt", (415, "unsupported_type"), id="not-utf8"),
    ],
)
def test_rejected_at_upload(upload: Any, content: bytes, name: str, expected: tuple[int, str]) -> None:
    response = upload(content, name=name)

    assert _error(response) == expected
    assert response.json()["error"]["message"]
    assert Document.objects.count() == 0


def test_a_zip_bomb_docx_is_rejected(upload: Any) -> None:
    assert _error(upload(zip_bomb_docx(expanded_mb=300), name="bomb.docx")) == (400, "zip_bomb")


def test_a_plain_zip_named_docx_is_rejected(upload: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")

    assert _error(upload(buffer.getvalue(), name="fake.docx")) == (415, "unsupported_type")


def test_an_oversized_upload_is_refused(upload: Any, settings: Any) -> None:
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 10_000

    assert _error(upload(pdf_bytes(page_count=5) + b"\n" * 200_000)) == (413, "file_too_large")


def test_the_quota_is_enforced_per_learner(upload: Any, settings: Any, other_user: Any, client_for: Any) -> None:
    content = pdf_bytes(page_count=1)
    settings.DOCUMENTS_QUOTA_BYTES = len(content) * 2 - 1
    assert upload(content).status_code == 201

    assert _error(upload(content)) == (413, "quota_exceeded")
    assert upload(content, client=client_for(other_user)).status_code == 201


def test_path_separators_never_reach_storage(upload: Any) -> None:
    response = upload(b"plain text", name="../../etc/passwd\\..\\evil.txt")

    document = Document.objects.get(pk=response.json()["id"])
    assert "/" not in document.original_name
    assert "\\" not in document.original_name
    assert document.storage_name.startswith(f"documents/{document.owner_id}/")
    assert "evil" not in document.storage_name


@pytest.mark.parametrize(
    ("content", "code", "reason_start"),
    [
        pytest.param(corpus("password-example.pdf"), "encrypted", "This PDF is password-protected.", id="encrypted"),
        pytest.param(corpus("malformed-from-issue-932.pdf"), "no_text", "Almost no text", id="malformed"),
        pytest.param(image_only_pdf(), "no_text", "Almost no text", id="no-text-layer"),
        pytest.param(b"%PDF-1.7\n1 0 obj garbage" * 50, "damaged", "This PDF is damaged", id="pdf-header-garbage"),
        pytest.param(b"   \n\n  \n", "no_text", "This document contains no text.", id="whitespace-text"),
    ],
)
def test_failed_with_a_reason_never_stuck(upload: Any, content: bytes, code: str, reason_start: str) -> None:
    response = upload(content, name="file.pdf")

    assert response.status_code == 201
    document = Document.objects.get(pk=response.json()["id"])
    job = Job.objects.get(subject_type="document", subject_id=str(document.pk))
    assert (document.status, document.failure_code) == ("failed", code)
    assert document.failure_reason.startswith(reason_start)
    assert (job.status, job.attempts, job.error_code) == ("failed", 1, code)
    assert not Page.objects.filter(document=document).exists()
    assert not Chunk.objects.filter(document=document).exists()


def test_a_damaged_docx_that_passes_upload_checks_fails_cleanly(upload: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not-really-docx>")

    document_id = upload(buffer.getvalue(), name="broken.docx").json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.failure_code) == ("failed", "damaged")


def test_a_good_docx_still_works_next_to_the_bad(upload: Any) -> None:
    assert upload(docx_bytes(), name="ok.docx").json()["source_kind"] == "docx"


def test_an_oversized_upload_without_a_telling_content_length_is_cut_off(upload: Any, settings: Any) -> None:
    """The body is read only up to the limit, e.g. for a chunked request that announces no length."""
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 20_000

    response = upload(b"a" * 40_000, name="long.txt")  # under the Content-Length margin, over the limit

    assert _error(response) == (413, "file_too_large")
    assert Document.objects.count() == 0


def test_a_truncated_pdf_fails_as_damaged(upload: Any) -> None:
    document_id = upload(corpus("chelsea_pdta.pdf")[:1_000_000], name="cut.pdf").json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.failure_code) == ("failed", "damaged")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(pptx_bytes()[:-200], "cut.pptx", id="truncated-pptx"),
        pytest.param(docx_bytes()[:-200], "cut.docx", id="truncated-docx"),
    ],
)
def test_truncated_office_files_are_refused_at_upload(upload: Any, content: bytes, name: str) -> None:
    assert _error(upload(content, name=name)) == (400, "damaged")
