"""Tables on PDF pages: PDFium flags pages with ruled grids, pdfplumber reads their tables, the text layer
stays PDFium's, and the tables are stored on the page and shown in the document detail."""

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from apps.documents.extraction import tables as t
from apps.documents.extraction.pdf import iter_pdf_pages
from apps.documents.models import Page
from tests.fixtures.documents import CORPUS, corpus, pdf_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["Organelle", "Role", "Found in"],
    ["Nucleus", "Holds DNA", "Eukaryotes"],
    ["Ribosome", "Makes proteins", "All cells"],
    ["Chloroplast", "Photosynthesis", "Plants"],
]


def table_pdf(rows: list[list[str]] = ROWS, *, grid: bool = True, pages: int = 1) -> bytes:
    """A4 pages of a heading, a paragraph and a table (ruled with a grid unless ``grid`` is false)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    story: list[Any] = []
    for number in range(pages):
        table = Table(rows)
        if grid:
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        if number:
            story.append(PageBreak())
        story += [Paragraph("Cell organelles", styles["Heading1"]), Paragraph("What each part of a cell does."), table]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def boxes_pdf() -> bytes:
    """Framed notes stacked in one column and underlined headings: lines, but no grid."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for n in range(5):
        y = 700 - n * 120
        pdf.rect(50, y, 480, 90)  # stroked box: two x positions, two y positions each
        pdf.drawString(60, y + 70, f"Note {n}: mitochondria make ATP.")
        pdf.line(60, y + 66, 200, y + 66)  # an underline: horizontal only
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _write(tmp_path: Path, content: bytes, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _flagged(path: str) -> list[bool]:
    pdf = pdfium.PdfDocument(path)
    try:
        flags = []
        for index in range(len(pdf)):
            page = pdf[index]
            flags.append(t.looks_like_table(page))
            page.close()
        return flags
    finally:
        pdf.close()


def test_a_ruled_table_is_flagged_and_its_cells_extracted(tmp_path: Path) -> None:
    path = _write(tmp_path, table_pdf())

    [page] = list(iter_pdf_pages(path, 1, tables=True))

    assert _flagged(path) == [True]
    assert page.tables == [ROWS]


def test_the_text_layer_is_the_same_with_and_without_tables(tmp_path: Path) -> None:
    path = _write(tmp_path, table_pdf())

    [with_tables] = list(iter_pdf_pages(path, 1, tables=True))
    [without] = list(iter_pdf_pages(path, 1, tables=False))

    assert with_tables.text == without.text
    assert "Photosynthesis" in with_tables.text
    assert "Cell organelles" in with_tables.text
    assert without.tables == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(pdf_bytes(page_count=2), id="plain-text"),
        pytest.param(table_pdf(grid=False), id="unruled-table"),
        pytest.param(boxes_pdf(), id="framed-boxes-and-underlines"),
    ],
)
def test_pages_without_a_ruled_grid_are_not_flagged(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, content)

    assert not any(_flagged(path))
    assert all(page.tables == [] for page in iter_pdf_pages(path, len(_flagged(path)), tables=True))


def test_corpus_pdfs_with_tables_are_flagged_and_prose_is_not() -> None:
    assert _flagged(str(CORPUS / "nics-background-checks-2015-11.pdf")) == [True]
    assert all(_flagged(str(CORPUS / "WARN-Report-for-7-1-2015-to-03-25-2016.pdf")))
    assert _flagged(str(CORPUS / "issue-598-example.pdf")) == [False]
    chelsea = _flagged(str(CORPUS / "chelsea_pdta.pdf"))
    assert chelsea[:7] == [False] * 7  # title, contents and prose pages


def test_a_real_table_pdf_gets_its_tables_through_the_job(upload: Any, auth_client: Any) -> None:
    name = "WARN-Report-for-7-1-2015-to-03-25-2016.pdf"
    document_id = upload(corpus(name), name=name).json()["id"]

    pages = list(Page.objects.filter(document_id=document_id).order_by("number"))
    assert len(pages) == 16
    assert all(page.tables for page in pages)
    first = pages[0].tables[0]
    assert len(first) > 30
    assert all(len(row) == len(first[0]) for row in first)
    assert any("Company" in cell for cell in first[0])  # the header row
    # cells hold PDFium's text: the spaced-out dates pdfplumber reads as "0 3 / 2 5 / 2 0 16" are whole
    assert first[1] == [
        "06/22/2015",
        "03/25/2016",
        "07/01/2015",
        "Maxim Integrated Product",
        "San Jose",
        "150",
        "Closure Permanent",
    ]
    assert "Maxim Integrated Product" in pages[0].text  # the text layer still has the cells

    detail = auth_client.get(f"/api/v1/documents/{document_id}/").json()
    assert detail["table_pages"] == list(range(1, 17))
    listed = auth_client.get(f"/api/v1/documents/{document_id}/pages/?has_tables=true").json()
    assert listed["count"] == 16
    assert listed["results"][0]["tables"][0] == first


def test_a_generated_table_is_stored_and_served_with_its_page(upload: Any, auth_client: Any) -> None:
    document_id = upload(table_pdf()).json()["id"]

    page = Page.objects.get(document_id=document_id, number=1)
    assert page.tables == [ROWS]
    assert "Holds DNA" in page.text
    assert auth_client.get(f"/api/v1/documents/{document_id}/").json()["table_pages"] == [1]
    pages = auth_client.get(f"/api/v1/documents/{document_id}/pages/").json()["results"]
    assert [(p["page_number"], p["text_source"], p["tables"]) for p in pages] == [(1, "text", [ROWS])]
    assert "Holds DNA" in pages[0]["text"]

    plain_id = upload(pdf_bytes(page_count=2)).json()["id"]
    assert auth_client.get(f"/api/v1/documents/{plain_id}/").json()["table_pages"] == []
    plain_pages = auth_client.get(f"/api/v1/documents/{plain_id}/pages/").json()
    assert plain_pages["count"] == 2
    assert all(p["tables"] == [] for p in plain_pages["results"])
    assert auth_client.get(f"/api/v1/documents/{plain_id}/pages/?has_tables=true").json()["count"] == 0
    assert auth_client.get(f"/api/v1/documents/{plain_id}/pages/?has_tables=maybe").status_code == 400
    assert "table_pages" not in auth_client.get("/api/v1/documents/").json()["results"][0]


def test_the_setting_off_means_no_tables_and_the_same_text(upload: Any, settings: Any) -> None:
    with_tables = upload(table_pdf()).json()["id"]
    settings.DOCUMENTS_PDF_TABLES = False
    without = upload(table_pdf()).json()["id"]

    assert Page.objects.get(document_id=without).tables == []
    assert Page.objects.get(document_id=with_tables).tables == [ROWS]
    assert Page.objects.get(document_id=without).text == Page.objects.get(document_id=with_tables).text


def test_tables_are_read_in_the_page_processes_too(tmp_path: Path) -> None:
    path = _write(tmp_path, table_pdf(pages=3))

    pages = list(iter_pdf_pages(path, 3, processes=2, parallel_min_pages=1, batch=1, tables=True))

    assert [page.number for page in pages] == [1, 2, 3]
    assert [page.tables for page in pages] == [[ROWS]] * 3


def test_tidy_drops_empty_rows_and_columns_and_non_tables() -> None:
    assert t.tidy([["", "a", None, "b"], [None, None, None, None], ["", " c ", "", "d"]]) == [
        ["a", "b"],
        ["c", "d"],
    ]
    assert t.tidy([["only one column"], ["second row"]]) is None
    assert t.tidy([["one", "row"]]) is None


def test_stored_tables_are_bounded_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(t, "MAX_TABLE_CELLS_PER_PAGE", 10)
    big = [[f"r{r}c{c}" for c in range(4)] for r in range(5)]

    kept = t.bounded([big, big])

    assert kept == [big[:2]]
    monkeypatch.setattr(t, "MAX_TABLE_CELLS_PER_PAGE", 1000)
    monkeypatch.setattr(t, "MAX_TABLE_CHARS_PER_PAGE", 40)
    assert t.bounded([big]) == [big[:2]]


def test_pdfplumber_reads_the_cells_where_its_coordinates_are_not_pdfiums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(t, "_same_coordinates", lambda page, plumber_page: False)  # e.g. a rotated page
    path = _write(tmp_path, table_pdf())

    [page] = list(iter_pdf_pages(path, 1, tables=True))

    assert page.tables == [ROWS]


def test_a_page_pdfplumber_fails_on_keeps_its_text_and_has_no_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, *args: Any) -> None:
        raise ValueError("pdfminer choked")

    monkeypatch.setattr("pdfplumber.page.Page.find_tables", broken)
    path = _write(tmp_path, table_pdf())

    [page] = list(iter_pdf_pages(path, 1, tables=True))

    assert page.tables == []
    assert "Holds DNA" in page.text


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("nics-background-checks-2015-11.pdf", 1),
        ("WARN-Report-for-7-1-2015-to-03-25-2016.pdf", 15),
        ("chelsea_pdta.pdf", 27),  # rulings partly drawn as filled shapes
        ("chelsea_pdta.pdf", 60),
    ],
)
def test_pdfium_rulings_give_pdfplumber_the_same_cells_as_its_own_parse(name: str, number: int) -> None:
    import pdfplumber

    pdf = pdfium.PdfDocument(str(CORPUS / name))
    page = pdf[number - 1]
    vertical, horizontal = t.ruling_edges(page)
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": vertical,
        "explicit_horizontal_lines": horizontal,
    }
    with pdfplumber.open(CORPUS / name) as plumber:
        plumber_page = plumber.pages[number - 1]
        ours = [table.cells for table in plumber_page.find_tables(settings)]
        theirs = [table.cells for table in plumber_page.find_tables()]
    page.close()
    pdf.close()

    assert ours
    assert [len(cells) for cells in ours] == [len(cells) for cells in theirs]
    for our_cells, their_cells in zip(ours, theirs, strict=True):
        for our_cell, their_cell in zip(our_cells, their_cells, strict=True):
            assert our_cell == pytest.approx(their_cell, abs=0.5)  # the readers round coordinates differently


def _edges(vertical: list[tuple[float, float, float]], horizontal: list[tuple[float, float, float]]) -> list[Any]:
    """pdfplumber edges: vertical (x, top, bottom), horizontal (y, x0, x1)."""
    return [
        {"orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0, "height": bottom - top}
        for x, top, bottom in vertical
    ] + [
        {"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}
        for y, x0, x1 in horizontal
    ]


def test_complete_grids_take_the_shortcut_with_pdfplumbers_cells_and_others_go_to_pdfplumber() -> None:
    from pdfplumber.table import edges_to_intersections, intersections_to_cells

    from apps.documents.extraction.tables import _grid_cells

    xs, ys = [10.0, 60.0, 90.0, 150.0], [20.0, 35.0, 50.0]
    grid = edges_to_intersections(_edges([(x, ys[0], ys[-1]) for x in xs], [(y, xs[0], xs[-1]) for y in ys]), 3, 3)
    assert _grid_cells(grid) == intersections_to_cells(grid)
    assert len(_grid_cells(grid) or []) == 6

    # The middle vertical rule stops at the second row: the first row's two cells are one merged cell.
    merged = edges_to_intersections(
        _edges(
            [(10.0, 20.0, 50.0), (60.0, 35.0, 50.0), (150.0, 20.0, 50.0)],
            [(20.0, 10.0, 150.0), (35.0, 10.0, 150.0), (50.0, 10.0, 150.0)],
        ),
        3,
        3,
    )
    assert _grid_cells(merged) is None
    assert (10.0, 20.0, 150.0, 35.0) in intersections_to_cells(merged)  # what pdfplumber does instead


def test_the_flag_agrees_with_the_full_ruling_count_on_every_corpus_page() -> None:
    """``looks_like_table`` stops early and skips pages without a path tall or wide enough for a ruling; on every
    page of every corpus PDF (the whole 619-page manual included) it must answer what counting every ruling
    of the page answers."""
    checked = 0
    for path in sorted(CORPUS.glob("*.pdf")):
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:  # the empty and the password-protected PDFs
            continue
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                columns, rows = t.ruling_positions(page)
                expected = columns >= t.MIN_RULING_COLUMNS and rows >= t.MIN_RULING_ROWS
                assert t.looks_like_table(page) == expected, f"{path.name} page {index + 1}"
                page.close()
                checked += 1
        finally:
            pdf.close()
    assert checked >= 700
