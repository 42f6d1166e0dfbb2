"""Text extraction, page by page, with no Django in it (so PDF workers can run in plain processes).

Each reader yields :class:`PageText` in page order; ``page_count`` is known up front so progress can be
reported as pages done / total. Readers raise :class:`ExtractionError` with a code and a sentence a
learner can act on; anything else is a bug or a crash and is retried by the job mechanism.
"""

from dataclasses import dataclass, field

from apps.core.exceptions import DomainError

#: A table as rows of cell strings.
Table = list[list[str]]

#: Where a page's text came from: the file's text (a PDF's text layer, DOCX/PPTX/plain text), OCR of the
#: rendered page, or nowhere because the page needed OCR past DOCUMENTS_OCR_MAX_PAGES.
SOURCE_TEXT = "text"
SOURCE_OCR = "ocr"
SOURCE_OCR_LIMIT = "ocr_limit"


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based page, slide or section number
    text: str
    tables: list[Table] = field(default_factory=list)  # PDF only: ruled tables found on the page
    source: str = SOURCE_TEXT  # SOURCE_TEXT, SOURCE_OCR or SOURCE_OCR_LIMIT


class ExtractionError(DomainError):
    """A file that cannot be extracted (damaged, encrypted, too many pages): retrying cannot help."""
