"""PDF text, page by page: PDFium's text layer for every page (fast), pdfplumber for a page PDFium fails on.

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

import pypdfium2 as pdfium

from apps.documents.extraction import ExtractionError, PageText

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


def _plumber_text(path: str, index: int) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return pdf.pages[index].extract_text() or ""


def _page_text(pdf: pdfium.PdfDocument, path: str, index: int) -> str:
    try:
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                return str(textpage.get_text_bounded())
            finally:
                textpage.close()
        finally:
            page.close()
    except pdfium.PdfiumError:
        logger.warning("PDFium could not read page %s of %s; falling back to pdfplumber", index + 1, path)
        return _plumber_text(path, index)


def extract_range(path: str, start: int, stop: int) -> list[tuple[int, str]]:
    """Raw text of pages ``start..stop-1`` as (1-based number, text). Runs in a worker process."""
    pdf = _open(path)
    try:
        return [(index + 1, _page_text(pdf, path, index)) for index in range(start, stop)]
    finally:
        pdf.close()


def _ranges(page_count: int, batch: int) -> Iterator[tuple[int, int]]:
    for start in range(0, page_count, batch):
        yield start, min(start + batch, page_count)


def _sequential(path: str, page_count: int) -> Iterator[PageText]:
    pdf = _open(path)
    try:
        for index in range(page_count):
            yield PageText(index + 1, _page_text(pdf, path, index))
    finally:
        pdf.close()


def _parallel(path: str, page_count: int, processes: int, batch: int) -> Iterator[PageText]:
    # spawn, not fork: a forked child would share the parent's database sockets.
    context = multiprocessing.get_context("spawn")
    ranges = _ranges(page_count, batch)
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            pending: deque[Future[list[tuple[int, str]]]] = deque()
            for start, stop in ranges:
                pending.append(pool.submit(extract_range, path, start, stop))
                if len(pending) >= 2 * processes:
                    break
            try:
                while pending:
                    for number, text in pending.popleft().result():
                        yield PageText(number, text)
                    next_range = next(ranges, None)
                    if next_range is not None:
                        pending.append(pool.submit(extract_range, path, *next_range))
            finally:
                for future in pending:  # closed early: drop the ranges not started yet
                    future.cancel()
    except BrokenProcessPool as exc:
        raise ExtractionError("damaged", "This PDF crashed the PDF reader; it is probably damaged.") from exc


def can_fork_workers() -> bool:
    """A daemonic process (e.g. a multiprocessing pool child) may not start children."""
    return not multiprocessing.current_process().daemon


def iter_pdf_pages(
    path: str, page_count: int, *, processes: int = 1, parallel_min_pages: int = 48, batch: int = 16
) -> Generator[PageText, None, None]:
    if processes > 1 and page_count >= parallel_min_pages and can_fork_workers():
        yield from _parallel(path, page_count, min(processes, -(-page_count // batch)), batch)
    else:
        yield from _sequential(path, page_count)
