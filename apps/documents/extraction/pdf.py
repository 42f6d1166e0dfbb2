"""PDF text, page by page: PDFium's text layer for every page (fast), pdfplumber for a page PDFium fails on,
(with ``tables=True``) pdfplumber's table finder on the pages PDFium's paths say hold a ruled table, and
(with ``ocr.enabled``) Tesseract on the pages whose text layer is (nearly) empty but which hold an image.

PDFium is not thread-safe, so pages are spread over *processes*: each worker opens the file itself and
extracts a contiguous range (OCR included). At most ``2 x processes`` ranges are in flight, so memory stays
bounded whatever the page count, and pages still come out in order. OCR'd pages are counted across the
processes (a shared counter), so at most ``ocr.max_pages`` pages of a document are OCR'd.
"""

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import pypdfium2 as pdfium

from apps.documents.extraction import SOURCE_OCR, SOURCE_OCR_LIMIT, SOURCE_TEXT, ExtractionError, PageText, Table
from apps.documents.extraction.ocr import OcrOptions, available, needs_ocr, ocr_page, visible_chars
from apps.documents.extraction.tables import looks_like_table, plumber_tables

logger = logging.getLogger(__name__)

#: While waiting for a page range, the caller's ``keepalive`` (lease renewal) is called this often (seconds).
KEEPALIVE_SECONDS = 5.0

#: In a page process: the document's count of OCR'd pages, shared by all its page processes.
_shared_ocr_count: Any = None


def _init_worker(ocr_count: Any) -> None:
    global _shared_ocr_count
    _shared_ocr_count = ocr_count


class _OcrBudget:
    """At most ``limit`` pages OCR'd per document: counted in this process, or in a counter shared by the
    page processes (a multiprocessing.Value)."""

    def __init__(self, limit: int, shared: Any = None) -> None:
        self.limit = limit
        self.shared = shared
        self.used = 0

    def take(self) -> bool:
        if self.shared is None:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True
        with self.shared.get_lock():
            if self.shared.value >= self.limit:
                return False
            self.shared.value += 1
            return True


def _open(path: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise ExtractionError(
                "encrypted", "This PDF is password-protected. Remove the password and upload it again."
            ) from exc
        raise ExtractionError("damaged", "This PDF is damaged or not a PDF and could not be read.") from exc


@contextmanager
def _open_page(pdf: pdfium.PdfDocument, index: int) -> Iterator[tuple[pdfium.PdfPage, pdfium.PdfTextPage]]:
    """A page and its text page, both closed on exit (PDFium keeps their memory until then)."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            yield page, textpage
        finally:
            textpage.close()
    finally:
        page.close()


class _Reader:
    """One PDF open in PDFium, and in pdfplumber only once a page needs it (fallback text or tables)."""

    def __init__(
        self, path: str, tables: bool, ocr: OcrOptions | None = None, budget: _OcrBudget | None = None
    ) -> None:
        self.path = path
        self.tables = tables
        self.ocr = ocr or OcrOptions()
        self.budget = budget or _OcrBudget(self.ocr.max_pages)
        self.pdf = _open(path)
        self._plumber: Any = None

    def plumber(self) -> Any:
        if self._plumber is None:
            import pdfplumber

            self._plumber = pdfplumber.open(self.path)
        return self._plumber

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
        self.pdf.close()

    def _plumber_text(self, index: int) -> str:
        page = self.plumber().pages[index]
        try:
            return str(page.extract_text() or "")
        finally:
            page.close()

    def page(self, index: int) -> PageText:
        """The page's text (and tables, and OCR)."""
        page = self._read(index, unless_scanned=False)
        assert page is not None  # only a read that may stop at a scan returns None
        return page

    def page_unless_scanned(self, index: int) -> PageText | None:
        """Like :meth:`page`, but None when the page needs OCR (nothing OCR'd, nothing taken from the OCR
        budget), so that the caller can hand a scan to the page processes; the page is loaded once either way."""
        return self._read(index, unless_scanned=True)

    def _read(self, index: int, *, unless_scanned: bool) -> PageText | None:
        try:
            with _open_page(self.pdf, index) as (page, textpage):
                text = str(textpage.get_text_bounded())
                if unless_scanned and self._scanned(page, text):
                    return None
                tables = self._tables(index, page, textpage) if self.tables and looks_like_table(page) else []
                text, source = self._ocr(index, page, text)
        except pdfium.PdfiumError:
            logger.warning("PDFium could not read page %s of %s; falling back to pdfplumber", index + 1, self.path)
            return PageText(index + 1, self._plumber_text(index))
        return PageText(index + 1, text, tables, source)

    def scanned(self, index: int) -> bool:
        """Whether the page needs OCR, from its text layer alone (no tables, no OCR)."""
        try:
            with _open_page(self.pdf, index) as (page, textpage):
                return self._scanned(page, str(textpage.get_text_bounded()))
        except pdfium.PdfiumError:
            return False

    def _scanned(self, page: pdfium.PdfPage, text: str) -> bool:
        return self.ocr.enabled and needs_ocr(page, text, self.ocr) and available(self.ocr)

    def _ocr(self, index: int, page: pdfium.PdfPage, text: str) -> tuple[str, str]:
        """(text, source): the OCR'd text if the page needs OCR and OCR reads more than its text layer."""
        if not needs_ocr(page, text, self.ocr) or not available(self.ocr):
            return text, SOURCE_TEXT
        if not self.budget.take():
            return text, SOURCE_OCR_LIMIT
        try:
            read = ocr_page(page, self.ocr)
        except pdfium.PdfiumError:
            logger.warning("PDFium could not render page %s of %s for OCR", index + 1, self.path, exc_info=True)
            return text, SOURCE_TEXT
        if read is None or visible_chars(read) <= visible_chars(text):
            return text, SOURCE_TEXT
        return read, SOURCE_OCR

    def _tables(self, index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Table]:
        try:
            plumber = self.plumber()
        except Exception:  # pdfminer cannot parse a file PDFium can: keep the text, skip the tables
            logger.warning("pdfplumber could not open %s; no tables", self.path, exc_info=True)
            self.tables = False
            return []
        return plumber_tables(plumber, index, page, textpage)


def extract_range(
    path: str, start: int, stop: int, tables: bool = False, ocr: OcrOptions | None = None
) -> list[PageText]:
    """Pages ``start..stop-1`` (0-based, ``stop`` excluded). Runs in a worker process."""
    options = ocr or OcrOptions()
    reader = _Reader(path, tables, options, _OcrBudget(options.max_pages, _shared_ocr_count))
    try:
        return [reader.page(index) for index in range(start, stop)]
    finally:
        reader.close()


def _ranges(page_count: int, batch: int) -> Iterator[tuple[int, int]]:
    for start in range(0, page_count, batch):
        yield start, min(start + batch, page_count)


def _sequential(reader: _Reader, page_count: int, first: PageText | None) -> Iterator[PageText]:
    for index in range(page_count):
        yield first if index == 0 and first is not None else reader.page(index)


def _parallel(
    path: str,
    page_count: int,
    processes: int,
    batch: int,
    tables: bool,
    ocr: OcrOptions,
    keepalive: Callable[[], None] | None,
) -> Iterator[PageText]:
    # spawn, not fork: a forked child would share the parent's database sockets.
    context = multiprocessing.get_context("spawn")
    ranges = _ranges(page_count, batch)
    ocr_count = context.Value("i", 0)
    try:
        with ProcessPoolExecutor(
            max_workers=processes, mp_context=context, initializer=_init_worker, initargs=(ocr_count,)
        ) as pool:
            pending: deque[Future[list[PageText]]] = deque()
            for start, stop in ranges:
                pending.append(pool.submit(extract_range, path, start, stop, tables, ocr))
                if len(pending) >= 2 * processes:
                    break
            try:
                while pending:
                    # A range of OCR'd pages can take minutes: keep the caller's lease while waiting.
                    while keepalive is not None and not wait([pending[0]], timeout=KEEPALIVE_SECONDS).done:
                        keepalive()
                    yield from pending.popleft().result()
                    next_range = next(ranges, None)
                    if next_range is not None:
                        pending.append(pool.submit(extract_range, path, *next_range, tables, ocr))
            finally:
                for future in pending:  # closed early: drop the ranges not started yet
                    future.cancel()
    except BrokenProcessPool as exc:
        raise ExtractionError("damaged", "This PDF crashed the PDF reader; it is probably damaged.") from exc


def can_fork_workers() -> bool:
    """A daemonic process (e.g. a multiprocessing pool child) may not start children."""
    return not multiprocessing.current_process().daemon


class PdfPages:
    """A PDF opened once in PDFium: its page count, then its pages (:meth:`pages`). The same open document
    counts the pages, reads the first page (whose text layer also decides whether the PDF is a scan for the
    page processes) and, in one process, every other page. ``close()`` releases it (``pages()`` does when it
    ends)."""

    def __init__(self, path: str, *, tables: bool = False, ocr: OcrOptions | None = None) -> None:
        self.path = path
        self.tables = tables
        self.ocr = ocr or OcrOptions()
        self._reader: _Reader | None = _Reader(path, tables, self.ocr)
        self.page_count = len(self._reader.pdf)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def pages(
        self,
        *,
        processes: int = 1,
        parallel_min_pages: int = 48,
        batch: int = 16,
        keepalive: Callable[[], None] | None = None,
    ) -> Generator[PageText, None, None]:
        """Pages in order; ``tables``: pdfplumber's tables of the pages that look like they hold a ruled table;
        ``ocr``: OCR of the pages without a text layer; ``keepalive`` is called every few seconds while page
        processes work (the caller renews its lease; in one process the caller gets every page as it is
        done)."""
        reader = self._reader
        if reader is None:
            raise ValueError("PdfPages.pages() after close()")
        try:
            page_count, options = self.page_count, self.ocr
            parallel = processes > 1 and can_fork_workers()
            first = None
            if parallel and page_count > 1 and options.enabled:
                # The first page decides: a scan takes seconds per page, so even a short one is worth the
                # processes (0.2 s each to spawn), in small ranges so that they share the pages evenly. A PDF
                # long enough for the processes anyway only needs its text layer for that; a shorter one is
                # read here, and that reading is its first page unless it is a scan.
                if page_count >= parallel_min_pages:
                    scanned = reader.scanned(0)
                else:
                    first = reader.page_unless_scanned(0)
                    scanned = first is None
                if scanned:
                    parallel_min_pages, batch = 1, max(1, min(batch, -(-page_count // (2 * processes))))
            if parallel and page_count >= parallel_min_pages:
                self.close()
                workers = min(processes, -(-page_count // batch))
                yield from _parallel(self.path, page_count, workers, batch, self.tables, options, keepalive)
            else:
                yield from _sequential(reader, page_count, first)
        finally:
            self.close()


def iter_pdf_pages(
    path: str,
    page_count: int,
    *,
    processes: int = 1,
    parallel_min_pages: int = 48,
    batch: int = 16,
    tables: bool = False,
    ocr: OcrOptions | None = None,
    keepalive: Callable[[], None] | None = None,
) -> Generator[PageText, None, None]:
    """The first ``page_count`` pages of the PDF at ``path`` (see :meth:`PdfPages.pages`)."""
    pdf = PdfPages(path, tables=tables, ocr=ocr)
    pdf.page_count = min(page_count, pdf.page_count)
    yield from pdf.pages(processes=processes, parallel_min_pages=parallel_min_pages, batch=batch, keepalive=keepalive)
