"""Upload -> document.uploaded -> one extraction job -> pages and chunks with page numbers -> processed."""

from typing import Any

import pytest

from apps.documents.models import Chunk, Document, Page
from apps.jobs.models import Job
from tests.fixtures.documents import corpus, docx_bytes, pdf_bytes, pptx_bytes

pytestmark = pytest.mark.django_db


def test_a_pdf_is_extracted_page_by_page(upload: Any) -> None:
    response = upload(pdf_bytes(page_count=3), title="Biology", course="BIO101", tags=["cells", "exam"])

    assert response.status_code == 201, response.json()
    document = Document.objects.get(pk=response.json()["id"])
    assert (document.status, document.page_count, document.source_kind) == ("processed", 3, "pdf")
    assert (document.title, document.course, document.tags) == ("Biology", "BIO101", ["cells", "exam"])
    pages = list(Page.objects.filter(document=document).values_list("number", flat=True))
    assert pages == [1, 2, 3]
    page_two = Page.objects.get(document=document, number=2)
    assert page_two.text.startswith("Page 2 marker.")
    assert document.chunk_count == Chunk.objects.filter(document=document).count() > 3


def test_chunks_remember_their_page_and_offsets(upload: Any) -> None:
    document_id = upload(pdf_bytes(page_count=2)).json()["id"]

    for chunk in Chunk.objects.filter(document_id=document_id):
        page = Page.objects.get(document_id=document_id, number=chunk.page_number)
        assert page.text[chunk.char_start : chunk.char_end] == chunk.text


def test_the_upload_event_enqueues_exactly_one_job(upload: Any) -> None:
    document_id = upload(pdf_bytes(page_count=1)).json()["id"]

    jobs = Job.objects.filter(subject_type="document", subject_id=str(document_id))
    assert [(j.kind, j.status, j.attempts) for j in jobs] == [("documents.extract", "succeeded", 1)]


def test_a_redelivered_upload_event_enqueues_nothing_new(upload: Any, django_capture_on_commit_callbacks: Any) -> None:
    from apps.documents.handlers import on_document_uploaded
    from eventbus.models import OutboxEvent

    document_id = upload(pdf_bytes(page_count=1)).json()["id"]
    delivered = OutboxEvent.objects.get(topic="document.uploaded").to_event()

    with django_capture_on_commit_callbacks(execute=True):
        on_document_uploaded(delivered)

    assert Job.objects.filter(subject_type="document", subject_id=str(document_id)).count() == 1


@pytest.mark.parametrize(
    ("name", "expected_start"),
    [
        pytest.param("word365_structure.pdf", "Titre\nLorem ipsum dolor", id="word365"),
        pytest.param("issue-598-example.pdf", "Chapter 1\nWhat is Earth Science?", id="textbook-page"),
    ],
)
def test_real_pdfs_extract_with_page_numbers(upload: Any, name: str, expected_start: str) -> None:
    document_id = upload(corpus(name), name=name).json()["id"]

    document = Document.objects.get(pk=document_id)
    assert document.status == "processed", document.failure_reason
    assert Page.objects.get(document=document, number=1).text.startswith(expected_start)


def test_a_long_real_pdf_keeps_every_page(upload: Any) -> None:
    document_id = upload(corpus("chelsea_pdta.pdf"), name="plan.pdf").json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.page_count) == ("processed", 65)
    assert list(Page.objects.filter(document=document).values_list("number", flat=True)) == list(range(1, 66))


def test_docx_keeps_paragraphs_tables_and_page_breaks(upload: Any) -> None:
    content = docx_bytes(["First page text.", "Second page text."], page_break_after=1)

    document_id = upload(content, name="cells.docx").json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.source_kind, document.page_count) == ("processed", "docx", 2)
    assert Page.objects.get(document=document, number=1).text == "Cell biology\nFirst page text."
    assert "Nucleus | Holds DNA" in Page.objects.get(document=document, number=2).text


def test_pptx_gives_one_page_per_slide_with_speaker_notes(upload: Any) -> None:
    document_id = upload(pptx_bytes(), name="geo.pptx").json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.source_kind, document.page_count) == ("processed", "pptx", 2)
    assert Page.objects.get(document=document, number=2).text == (
        "Earthquakes\nMost happen at plate boundaries.\nSpeaker notes: Show the 2011 map."
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [pytest.param("notes.txt", "text", id="text"), pytest.param("notes.md", "markdown", id="markdown")],
)
def test_text_and_markdown(upload: Any, name: str, kind: str) -> None:
    document_id = upload("# Heading\n\nÉnergie et matière.\n".encode(), name=name).json()["id"]

    document = Document.objects.get(pk=document_id)
    assert (document.status, document.source_kind) == ("processed", kind)
    assert Page.objects.get(document=document, number=1).text == "# Heading\n\nÉnergie et matière."


def test_type_comes_from_content_not_name(upload: Any) -> None:
    response = upload(pdf_bytes(page_count=1), name="misnamed.txt")

    assert response.json()["source_kind"] == "pdf"
    assert response.json()["media_type"] == "application/pdf"


def test_progress_is_recorded_on_the_job_and_the_document(upload: Any, settings: Any) -> None:
    settings.DOCUMENTS_PAGE_BATCH = 2
    document_id = upload(pdf_bytes(page_count=6)).json()["id"]

    job = Job.objects.get(subject_type="document", subject_id=str(document_id))
    assert (job.progress_done, job.progress_total) == (6, 6)
    history = [e["type"] for e in _history(upload, document_id)]
    assert "extraction_progressed" in history


def _history(upload: Any, document_id: int) -> list[dict[str, Any]]:
    from apps.documents.lifecycle import events_of

    return [{"type": e.type, "data": e.data} for e in events_of(document_id)]


def test_document_state_changes_are_pushed_to_the_owner(upload: Any, user: Any) -> None:
    from apps.realtime.models import Push

    document_id = upload(pdf_bytes(page_count=1)).json()["id"]

    pushes = [p.data for p in Push.objects.filter(user=user, type="document.updated").order_by("id")]
    assert [(p["document_id"], p["status"]) for p in pushes] == [
        (document_id, "processing"),
        (document_id, "processed"),
    ]
