"""Issue 8's limits: pages for every format, extracted text in the quota, caps per learner, erasure races,
and the document detail listing table pages without loading the tables."""

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.services import user_erase
from apps.documents import selectors, services
from apps.documents.detection import UploadRejected
from apps.documents.models import Document, Page
from tests.factories import PageFactory, make_document
from tests.fixtures.documents import docx_with_pages, pdf_bytes, pptx_bytes

pytestmark = pytest.mark.django_db


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _failure(document_id: int) -> tuple[str, str]:
    document = Document.objects.get(pk=document_id)
    return document.status, document.failure_code


# --- DOCUMENTS_MAX_PAGES applies to every format ------------------------------------------------------------


def test_a_small_docx_with_twenty_thousand_pages_fails_at_the_page_limit(upload: Any) -> None:
    content = docx_with_pages(20_001)
    assert len(content) < 200_000  # the shape of the reported file: a 160 KB DOCX

    response = upload(content, name="pages.docx")

    document = Document.objects.get(pk=response.json()["id"])
    assert (document.status, document.failure_code) == ("failed", "too_many_pages")
    assert document.failure_reason == (
        "This document has more than 3000 pages (pages, slides or sections); the limit is 3000."
    )
    assert not Page.objects.filter(document=document).exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(lambda: docx_with_pages(4), "four.docx", id="docx"),
        pytest.param(lambda: ("x" * 15_000 + "\n") * 4, "long.txt", id="text"),
        pytest.param(lambda: ("# Part\n" + "y" * 15_000 + "\n") * 4, "long.md", id="markdown"),
        pytest.param(lambda: pptx_bytes([("T", "B", "N")] * 4), "four.pptx", id="pptx"),
        pytest.param(lambda: pdf_bytes(page_count=4), "four.pdf", id="pdf"),
    ],
)
def test_every_format_is_held_to_the_page_limit(upload: Any, settings: Any, content: Any, name: str) -> None:
    settings.DOCUMENTS_MAX_PAGES = 3
    raw = content()

    response = upload(raw.encode() if isinstance(raw, str) else raw, name=name)

    assert _failure(response.json()["id"]) == ("failed", "too_many_pages")


def test_a_document_at_the_page_limit_is_processed(upload: Any, settings: Any) -> None:
    settings.DOCUMENTS_MAX_PAGES = 4

    response = upload(docx_with_pages(4), name="four.docx")

    document = Document.objects.get(pk=response.json()["id"])
    assert (document.status, document.page_count) == ("processed", 4)


# --- extracted text counts against the quota ----------------------------------------------------------------


def test_extracted_text_is_counted_in_the_storage_used(upload: Any, user: Any) -> None:
    text = "Énergie et matière.\n" * 100

    document = Document.objects.get(pk=upload(text.encode(), name="notes.txt").json()["id"])

    assert document.text_bytes == len(text.strip().encode())
    assert selectors.storage_used(owner_id=user.pk) == document.size_bytes + document.text_bytes


def test_text_that_would_pass_the_quota_fails_the_extraction(upload: Any, settings: Any, user: Any) -> None:
    content = b"word " * 4000  # 20 KB of file, about as much text
    settings.DOCUMENTS_QUOTA_BYTES = len(content) + 5_000

    response = upload(content, name="big.txt")

    document = Document.objects.get(pk=response.json()["id"])
    assert (document.status, document.failure_code) == ("failed", "quota_exceeded")
    assert document.failure_reason.startswith("The text of this document would exceed your storage quota")
    assert document.text_bytes == 0
    assert not Page.objects.filter(document=document).exists()
    assert selectors.storage_used(owner_id=user.pk) == len(content)


def test_the_text_of_earlier_documents_leaves_less_room_for_uploads(upload: Any, settings: Any) -> None:
    first = Document.objects.get(pk=upload(b"plenty of words " * 500, name="a.txt").json()["id"])
    second = b"a little more"
    assert first.status == "processed"
    assert first.text_bytes > 0
    settings.DOCUMENTS_QUOTA_BYTES = first.size_bytes + first.text_bytes + len(second) - 1

    assert _error(upload(second, name="b.txt")) == (413, "quota_exceeded")
    settings.DOCUMENTS_QUOTA_BYTES += 1
    assert upload(second, name="b.txt").status_code == 201


# --- caps per learner ---------------------------------------------------------------------------------------


def test_documents_per_learner_are_capped(
    upload: Any, settings: Any, auth_client: Any, other_user: Any, client_for: Any
) -> None:
    settings.DOCUMENTS_MAX_PER_LEARNER = 2
    first = upload(b"one", name="1.txt").json()["id"]
    upload(b"two", name="2.txt")

    response = upload(b"three", name="3.txt")

    assert _error(response) == (409, "too_many_documents")
    assert response.json()["error"]["message"].startswith("You have reached the limit of 2 documents.")
    assert upload(b"elsewhere", name="x.txt", client=client_for(other_user)).status_code == 201
    auth_client.delete(f"/api/v1/documents/{first}/")
    assert upload(b"three", name="3.txt").status_code == 201


def test_documents_waiting_for_extraction_are_capped(auth_client: Any, settings: Any) -> None:
    """Without running the commit hooks, every upload stays queued for extraction."""
    settings.DOCUMENTS_MAX_QUEUED_PER_LEARNER = 2

    def post(name: str) -> Any:
        return auth_client.post("/api/v1/documents/", {"file": ContentFile(b"text", name=name)}, format="multipart")

    assert [post("1.txt").status_code, post("2.txt").status_code] == [201, 201]
    response = post("3.txt")

    assert _error(response) == (429, "too_many_queued")
    assert "still waiting to be read" in response.json()["error"]["message"]
    assert Document.objects.count() == 2


# --- erasure ------------------------------------------------------------------------------------------------


def test_an_upload_for_an_erased_account_is_refused_and_leaves_no_file(user: Any) -> None:
    user_erase(user=user)
    before = _stored_files(user.pk)

    with pytest.raises(UploadRejected) as rejected:
        services.document_upload(owner_id=user.pk, file=ContentFile(b"late text"), file_name="late.txt", size=9)

    assert rejected.value.code == "account_closed"
    assert not Document.objects.filter(owner_id=user.pk).exists()
    assert _stored_files(user.pk) == before


def _stored_files(owner_id: int) -> list[str]:
    try:
        return default_storage.listdir(f"documents/{owner_id}/")[1]
    except FileNotFoundError:
        return []


# --- the detail lists table pages from a column, not from the tables ----------------------------------------


def test_the_detail_never_loads_the_tables(auth_client: Any, user: Any) -> None:
    document = make_document(owner=user, processed=True)
    PageFactory(document=document, number=1)
    PageFactory(document=document, number=2, tables=[[["a", "b"], ["1", "2"]]])
    PageFactory(document=document, number=3, text_source=Page.TextSource.OCR)

    with CaptureQueriesContext(connection) as queries:
        detail = auth_client.get(f"/api/v1/documents/{document.pk}/").json()

    assert (detail["table_pages"], detail["ocr_pages"]) == ([2], [3])
    page_queries = [q["sql"] for q in queries.captured_queries if '"documents_page"' in q["sql"]]
    assert page_queries
    assert not any('"documents_page"."tables"' in sql for sql in page_queries)


def test_pages_with_tables_are_filtered_by_the_column(auth_client: Any, user: Any) -> None:
    document = make_document(owner=user, processed=True)
    PageFactory(document=document, number=1)
    PageFactory(document=document, number=2, tables=[[["x"]]])

    pages = auth_client.get(f"/api/v1/documents/{document.pk}/pages/?has_tables=true").json()

    assert [p["page_number"] for p in pages["results"]] == [2]


def test_the_migration_fills_has_tables_and_text_bytes(user: Any) -> None:
    document = make_document(owner=user, processed=True)
    Page.objects.create(document=document, number=1, text="Ça va", tables=[[["a"]]], has_tables=False)
    Page.objects.create(document=document, number=2, text="ok", tables=[], has_tables=False)
    migration = importlib.import_module("apps.documents.migrations.0004_page_has_tables_document_text_bytes")

    migration.fill(django_apps, None)

    assert list(Page.objects.filter(document=document).values_list("number", "has_tables")) == [(1, True), (2, False)]
    assert Document.objects.get(pk=document.pk).text_bytes == len("Ça va".encode()) + 2


def test_documents_reaches_accounts_only_through_its_typed_functions() -> None:
    """import-linter forbids importing the accounts models; get_user_model() would get round it unseen."""
    from pathlib import Path

    import apps.documents

    sources = Path(apps.documents.__file__).parent.rglob("*.py")
    offenders = [str(path) for path in sources if "get_user_model" in path.read_text()]

    assert offenders == []


def test_the_text_of_other_documents_leaves_less_room_for_a_documents_text(upload: Any, settings: Any) -> None:
    """The first batch's write reads the budget (ADR 0031): other live documents' files and text count, the
    document's own file counts, a deleted document's do not."""
    other = Document.objects.get(pk=upload(b"plenty of words " * 500, name="a.txt").json()["id"])
    deleted = Document.objects.get(pk=upload(b"gone words " * 500, name="gone.txt").json()["id"])
    services.document_delete(owner_id=other.owner_id, document_id=deleted.pk)
    content = b"some more words " * 50
    text_bytes = len(content.strip())
    settings.DOCUMENTS_QUOTA_BYTES = other.size_bytes + other.text_bytes + len(content) + text_bytes - 1

    refused = Document.objects.get(pk=upload(content, name="b.txt").json()["id"])
    services.document_delete(owner_id=other.owner_id, document_id=refused.pk)  # a failed document keeps its file
    settings.DOCUMENTS_QUOTA_BYTES += 1
    accepted = Document.objects.get(pk=upload(content, name="c.txt").json()["id"])

    assert (refused.status, refused.failure_code, refused.text_bytes) == ("failed", "quota_exceeded", 0)
    assert (accepted.status, accepted.text_bytes) == ("processed", text_bytes)
