"""PDF text, page by page: PDFium's text layer for every page (fast), pdfplumber for a page PDFium fails on,
and (with ``tables=True``) pdfplumber's table finder on the pages PDFium's paths say hold a ruled table.

PDFium is not thread-safe, so pages are spread over *processes*: each worker opens the file itself and
extracts a contiguous range. At most ``2 x processes`` ranges are in flight, so memory stays bounded
whatever the page count, and pages still come out in order.
"""

import logging
import multiprocessing
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pypdfium2 as pdfium

from apps.documents.extraction import ExtractionError, PageText, Table
from apps.documents.extraction.tables import looks_like_table, plumber_tables

logger = logging.getLogger(__name__)


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


def pdf_page_count(path: str) -> int:
    pdf = _open(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


class _Reader:
    """One PDF open in PDFium, and in pdfplumber only once a page needs it (fallback text or tables)."""

    def __init__(self, path: str, tables: bool) -> None:
        self.path = path
        self.tables = tables
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
        try:
            page = self.pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = str(textpage.get_text_bounded())
                    tables = self._tables(index, page, textpage) if self.tables and looks_like_table(page) else []
                finally:
                    textpage.close()
            finally:
                page.close()
        except pdfium.PdfiumError:
            logger.warning("PDFium could not read page %s of %s; falling back to pdfplumber", index + 1, self.path)
            return PageText(index + 1, self._plumber_text(index))
        return PageText(index + 1, text, tables)

    def _tables(self, index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Table]:
        try:
            plumber = self.plumber()
        except Exception:  # pdfminer cannot parse a file PDFium can: keep the text, skip the tables
            logger.warning("pdfplumber could not open %s; no tables", self.path, exc_info=True)
            self.tables = False
            return []
        return plumber_tables(plumber, index, page, textpage)


def extract_range(path: str, start: int, stop: int, tables: bool = False) -> list[PageText]:
    """Pages ``start..stop-1`` (0-based, ``stop`` excluded). Runs in a worker process."""
    reader = _Reader(path, tables)
    try:
        return [reader.page(index) for index in range(start, stop)]
    finally:
        reader.close()


def _ranges(page_count: int, batch: int) -> Iterator[tuple[int, int]]:
    for start in range(0, page_count, batch):
        yield start, min(start + batch, page_count)


def _sequential(path: str, page_count: int, tables: bool) -> Iterator[PageText]:
    reader = _Reader(path, tables)
    try:
        for index in range(page_count):
            yield reader.page(index)
    finally:
        reader.close()


def _parallel(path: str, page_count: int, processes: int, batch: int, tables: bool) -> Iterator[PageText]:
    # spawn, not fork: a forked child would share the parent's database sockets.
    context = multiprocessing.get_context("spawn")
    ranges = _ranges(page_count, batch)
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            pending: deque[Future[list[PageText]]] = deque()
            for start, stop in ranges:
                pending.append(pool.submit(extract_range, path, start, stop, tables))
                if len(pending) >= 2 * processes:
                    break
            try:
                while pending:
                    yield from pending.popleft().result()
                    next_range = next(ranges, None)
                    if next_range is not None:
                        pending.append(pool.submit(extract_range, path, *next_range, tables))
            finally:
                for future in pending:  # closed early: drop the ranges not started yet
                    future.cancel()
    except BrokenProcessPool as exc:
        raise ExtractionError("damaged", "This PDF crashed the PDF reader; it is probably damaged.") from exc


def can_fork_workers() -> bool:
    """A daemonic process (e.g. a multiprocessing pool child) may not start children."""
    return not multiprocessing.current_process().daemon


def iter_pdf_pages(
    path: str,
    page_count: int,
    *,
    processes: int = 1,
    parallel_min_pages: int = 48,
    batch: int = 16,
    tables: bool = False,
) -> Generator[PageText, None, None]:
    """Pages in order; ``tables``: pdfplumber's tables of the pages that look like they hold a ruled table."""
    if processes > 1 and page_count >= parallel_min_pages and can_fork_workers():
        yield from _parallel(path, page_count, min(processes, -(-page_count // batch)), batch, tables)
    else:
        yield from _sequential(path, page_count, tables)
