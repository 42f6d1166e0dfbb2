"""OCR of scanned PDF pages with the real Tesseract: pages without a text layer are rendered and read, only
those, the detail says which, and a PDF that still yields no text fails as before."""

import difflib
from pathlib import Path
from typing import Any

import pytest

from apps.documents.extraction import SOURCE_OCR, SOURCE_OCR_LIMIT, SOURCE_TEXT
from apps.documents.extraction import pdf as pdf_module
from apps.documents.extraction.ocr import MAX_PIXELS, OcrOptions, render_scale, tsv_text
from apps.documents.extraction.pdf import iter_pdf_pages
from apps.documents.models import Chunk, Document, Page
from apps.jobs.models import Job
from tests.fixtures.documents import corpus
from tests.fixtures.scanned import ENGLISH, FRENCH, scanned_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.requires_binary("tesseract")]

NO_TEXT_REASON = "Almost no text could be read from this PDF (0 characters): it is scanned, image-only or damaged."


def _words(text: str) -> set[str]:
    return {word.strip(".,:;") for word in text.split()}


def _accuracy(truth: str, read: str) -> float:
    """Character accuracy: difflib's ratio of the two texts with whitespace runs made single spaces."""
    return difflib.SequenceMatcher(None, " ".join(truth.split()), " ".join(read.split()), autojunk=False).ratio()


def _detail(auth_client: Any, document_id: int) -> dict[str, Any]:
    return dict(auth_client.get(f"/api/v1/documents/{document_id}/").json())


def test_an_image_only_pdf_is_read_by_ocr_in_english_and_french(upload: Any, auth_client: Any) -> None:
    document_id = upload(scanned_pdf([ENGLISH, FRENCH]), name="scan.pdf").json()["id"]

    detail = _detail(auth_client, document_id)
    assert (detail["status"], detail["failure_reason"]) == ("processed", "")
    assert (detail["page_count"], detail["ocr_pages"], detail["ocr_limit_pages"]) == (2, [1, 2], [])
    english, french = Page.objects.filter(document_id=document_id).order_by("number")
    assert (english.text_source, french.text_source) == (SOURCE_OCR, SOURCE_OCR)
    assert {"Photosynthesis", "Chlorophyll", "Calvin", "NADPH", "dioxide"} <= _words(english.text)
    assert {"énergie", "végétaux", "l'oxygène", "Élèves", "méiose"} <= _words(french.text)
    # Tesseract 5.3 reads this page's "photosynthèse" as "photosynthése": 1 character in 215.
    assert _accuracy(ENGLISH, english.text) >= 0.99
    assert _accuracy(FRENCH, french.text) >= 0.98
    assert Chunk.objects.filter(document_id=document_id, page_number=2).exists()
    assert Job.objects.get(subject_type="document", subject_id=str(document_id)).result["ocr_pages"] == 2


def test_a_mixed_pdf_ocrs_only_its_scanned_page(upload: Any, auth_client: Any) -> None:
    document_id = upload(scanned_pdf([FRENCH, ENGLISH], keep_text={1})).json()["id"]

    detail = _detail(auth_client, document_id)
    assert (detail["status"], detail["ocr_pages"]) == ("processed", [2])
    text_page, scanned = Page.objects.filter(document_id=document_id).order_by("number")
    assert (text_page.text_source, scanned.text_source) == (SOURCE_TEXT, SOURCE_OCR)
    assert text_page.text.startswith("La photosynthèse transforme l'énergie lumineuse en énergie chimique. Les\n")
    assert {"Photosynthesis", "Calvin"} <= _words(scanned.text)


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param({"DOCUMENTS_OCR": False}, id="ocr-off"),
        pytest.param({"DOCUMENTS_OCR_COMMAND": "/nonexistent/tesseract"}, id="no-tesseract-binary"),
    ],
)
def test_without_ocr_a_scan_fails_with_the_old_reason(upload: Any, settings: Any, setting: dict[str, Any]) -> None:
    for name, value in setting.items():
        setattr(settings, name, value)

    document = Document.objects.get(pk=upload(scanned_pdf([ENGLISH])).json()["id"])

    assert (document.status, document.failure_code) == ("failed", "no_text")
    assert document.failure_reason.startswith(NO_TEXT_REASON)
    assert not Page.objects.filter(document=document).exists()


def test_a_page_ocr_cannot_read_keeps_its_text_layer(upload: Any) -> None:
    """The corpus's Chinese page (glyphs without Unicode, a seal image): eng+fra OCR reads Latin garbage at a
    mean confidence of 58, which is discarded, so the PDF fails as it did before OCR."""
    document = Document.objects.get(pk=upload(corpus("malformed-from-issue-932.pdf")).json()["id"])

    assert (document.status, document.failure_code) == ("failed", "no_text")
    assert document.failure_reason.startswith("Almost no text could be read from this PDF (7 characters)")


def test_a_blank_scanned_page_fails_cleanly_with_a_reason(upload: Any) -> None:
    document = Document.objects.get(pk=upload(scanned_pdf([None])).json()["id"])

    assert (document.status, document.failure_code) == ("failed", "no_text")
    assert document.failure_reason.startswith(NO_TEXT_REASON)
    assert Job.objects.get(subject_type="document", subject_id=str(document.pk)).status == "failed"


def test_pages_past_the_ocr_cap_are_left_without_text_and_listed(upload: Any, auth_client: Any, settings: Any) -> None:
    settings.DOCUMENTS_OCR_MAX_PAGES = 1
    document_id = upload(scanned_pdf([ENGLISH, FRENCH])).json()["id"]

    detail = _detail(auth_client, document_id)
    # A scan's pages run in parallel processes: which of the two takes the one OCR slot is a race.
    assert detail["status"] == "processed"
    assert (len(detail["ocr_pages"]), sorted(detail["ocr_pages"] + detail["ocr_limit_pages"])) == (1, [1, 2])
    assert Page.objects.get(document_id=document_id, number=detail["ocr_limit_pages"][0]).text == ""
    assert Page.objects.get(document_id=document_id, number=detail["ocr_pages"][0]).text != ""


def test_page_processes_share_the_ocr_cap_and_keep_the_lease(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "KEEPALIVE_SECONDS", 0.05)
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf([ENGLISH, FRENCH, ENGLISH]))
    calls = []

    pages = list(
        iter_pdf_pages(
            str(path),
            3,
            processes=2,
            parallel_min_pages=1,
            batch=1,
            ocr=OcrOptions(enabled=True, max_pages=2),
            keepalive=lambda: calls.append(1),
        )
    )

    assert [page.number for page in pages] == [1, 2, 3]
    assert sorted(page.source for page in pages) == [SOURCE_OCR, SOURCE_OCR, SOURCE_OCR_LIMIT]
    assert calls, "the caller's lease was not renewed while the page processes worked"


def test_rendering_is_bounded_on_a_huge_page() -> None:
    a4 = render_scale(595, 842, 200)
    assert a4 == pytest.approx(200 / 72)
    poster = render_scale(14400, 14400, 200)  # the largest page PDF allows: 200 x 200 inches
    assert (14400 * poster) ** 2 <= MAX_PIXELS * 1.0001


def test_tesseract_words_become_lines_and_paragraphs_and_noise_is_dropped() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t96.1\tCell",
        "5\t1\t1\t1\t1\t2\t70\t10\t50\t20\t95.0\tbiology",
        "5\t1\t1\t1\t2\t1\t10\t40\t50\t20\t91.0\tMitosis",
        "5\t1\t1\t1\t2\t2\t70\t40\t5\t5\t3.0\t~",
        "5\t1\t2\t1\t1\t1\t10\t90\t50\t20\t90.0\tMeiosis",
        "4\t1\t2\t1\t1\t0\t10\t90\t50\t20\t-1\t",
    ]
    text, confidence = tsv_text("\n".join([header, *rows]))
    assert text == "Cell biology\nMitosis\n\nMeiosis"
    assert confidence == pytest.approx((96.1 * 4 + 95.0 * 7 + 91.0 * 7 + 90.0 * 7) / 25)


def _count_page_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    loads: list[int] = []
    real = pdf_module._open_page

    def counting(pdf: Any, index: int) -> Any:
        loads.append(index)
        return real(pdf, index)

    monkeypatch.setattr(pdf_module, "_open_page", counting)
    return loads


@pytest.mark.parametrize("name", ["DA-619p-first-15-pages.pdf", "issue-598-example.pdf"])
def test_the_scan_decision_reads_the_first_page_once_and_the_pages_stay_the_same(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / name
    path.write_bytes(corpus(name))
    alone = list(iter_pdf_pages(str(path), 8, tables=True, ocr=OcrOptions(enabled=False)))
    loads = _count_page_loads(monkeypatch)

    # Two processes allowed and OCR on: the first page's text layer decides that this is no scan (so the
    # pages are read in this process) and that same reading is the first page of the result.
    pdf = pdf_module.PdfPages(str(path), tables=True, ocr=OcrOptions(enabled=True))
    pdf.page_count = min(pdf.page_count, 8)
    pages = list(pdf.pages(processes=2, parallel_min_pages=48))

    assert pages == alone
    assert sorted(loads) == list(range(len(alone)))


def test_a_scan_is_still_handed_to_the_page_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf([ENGLISH, FRENCH]))
    ranges: list[tuple[int, int]] = []

    def parallel(_path: str, count: int, *args: Any) -> Any:
        ranges.append((0, count))
        return iter(())

    monkeypatch.setattr(pdf_module, "_parallel", parallel)

    pdf = pdf_module.PdfPages(str(path), ocr=OcrOptions(enabled=True))
    assert list(pdf.pages(processes=2, parallel_min_pages=48)) == []

    assert ranges == [(0, 2)]  # below parallel_min_pages, but the first page is a scan: the processes read it


def test_a_pdf_long_enough_for_the_processes_is_only_checked_for_a_scan_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "manual.pdf"
    path.write_bytes(corpus("DA-619p-first-15-pages.pdf"))
    monkeypatch.setattr(pdf_module, "_parallel", lambda *args: iter(()))
    tested: list[Any] = []

    def looks_like_table(page: Any) -> bool:
        tested.append(page)
        return False

    monkeypatch.setattr(pdf_module, "looks_like_table", looks_like_table)

    pdf = pdf_module.PdfPages(str(path), tables=True, ocr=OcrOptions(enabled=True))
    list(pdf.pages(processes=2, parallel_min_pages=4))

    assert tested == []  # the page processes read the pages and their tables; this process only the text layer
