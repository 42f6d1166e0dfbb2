"""DOCX (paragraphs and tables in body order, split at explicit page breaks) and PPTX (one page per slide,
with its speaker notes)."""

from collections.abc import Generator, Iterator
from typing import Any
from zipfile import BadZipFile

from apps.documents.extraction import ExtractionError, PageText

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _damaged(kind: str, exc: Exception) -> ExtractionError:
    return ExtractionError("damaged", f"This {kind} file is damaged and could not be read ({type(exc).__name__}).")


def _paragraph_pieces(element: Any) -> Iterator[tuple[str, bool]]:
    """A paragraph's text split at its page breaks: (text, page break before it)."""
    parts: list[str] = []
    break_before = False
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}lastRenderedPageBreak"):
        is_page_break = node.tag == f"{_W}lastRenderedPageBreak" or (
            node.tag == f"{_W}br" and node.get(f"{_W}type") == "page"
        )
        if is_page_break:
            if parts:
                yield "".join(parts), break_before
                parts = []
            break_before = True
        elif node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    yield "".join(parts), break_before


def _docx_blocks(document: Any) -> Iterator[tuple[str, bool]]:
    """(text, page break before it) for each paragraph piece and table row of the body, in order."""
    from docx.table import Table

    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            yield from _paragraph_pieces(element)
        elif element.tag == f"{_W}tbl":
            for row in Table(element, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    if not cells or cells[-1] != cell.text:  # merged cells repeat their text
                        cells.append(cell.text)
                yield " | ".join(cells), False


def iter_docx_pages(path: str) -> Generator[PageText, None, None]:
    import docx

    try:
        document = docx.Document(path)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _damaged("Word", exc) from exc
    number, lines = 1, list[str]()
    for text, page_break in _docx_blocks(document):
        if page_break and any(line.strip() for line in lines):
            yield PageText(number, "\n".join(lines))
            number, lines = number + 1, []
        lines.append(text)
    yield PageText(number, "\n".join(lines))


def _shape_texts(shapes: Any) -> Iterator[str]:
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                yield " | ".join(cell.text for cell in row.cells)


def pptx_slide_count(path: str) -> int:
    import pptx

    try:
        return len(pptx.Presentation(path).slides)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _damaged("PowerPoint", exc) from exc


def iter_pptx_pages(path: str) -> Generator[PageText, None, None]:
    import pptx

    try:
        presentation = pptx.Presentation(path)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _damaged("PowerPoint", exc) from exc
    for number, slide in enumerate(presentation.slides, start=1):
        parts = [text for text in _shape_texts(slide.shapes) if text.strip()]
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                parts.append(f"Speaker notes: {notes.text}")
        yield PageText(number, "\n".join(parts))
