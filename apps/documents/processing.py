"""The extraction job: stored file -> cleaned pages -> chunks, with progress, in bounded memory.

Pages are written in batches of DOCUMENTS_PAGE_BATCH, each batch in its own short transaction that
locks the document row, so a deletion racing the job either happens before a batch (the job stops) or
after it (the deletion removes the batch). A re-run (retry after a crash, admin re-run) starts by
deleting what an earlier attempt wrote, so the result never holds a page twice.
"""

import logging
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Field

from apps.documents import lifecycle, services
from apps.documents.extraction import SOURCE_OCR, SOURCE_OCR_LIMIT, ExtractionError, PageText, Table
from apps.documents.extraction.chunking import chunk_page
from apps.documents.extraction.cleaning import clean_text
from apps.documents.extraction.ocr import OcrOptions, visible_chars
from apps.documents.extraction.office import iter_docx_pages, iter_pptx_pages, pptx_slide_count
from apps.documents.extraction.pdf import PdfPages
from apps.documents.extraction.text import iter_text_pages, text_section_count
from apps.documents.models import Chunk, Document, Page
from apps.documents.storage import local_copy
from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed
from apps.jobs.services import JobInfo
from apps.realtime.services import push_to_user
from eventbus import publish

logger = logging.getLogger(__name__)

#: A progress event is recorded each time this share of the pages is done (the job row gets every batch).
PROGRESS_EVENT_STEP = 0.1


class _Cancelled(Exception):
    """The document was deleted while it was being extracted."""


def _notify(document: Document) -> None:
    """Tells the owner's open websockets that the document changed state."""
    push_to_user(
        user_id=document.owner_id,
        type="document.updated",
        data={
            "document_id": document.pk,
            "status": document.status,
            "pages_done": document.pages_done,
            "page_count": document.page_count,
            "chunk_count": document.chunk_count,
            "failure_reason": document.failure_reason,
        },
    )


def _is_live(document: Document) -> bool:
    return document.status != Document.Status.DELETED


@dataclass
class _Counts:
    pages: int = 0
    chunks: int = 0
    characters: int = 0
    ocr_pages: int = 0
    ocr_limit_pages: int = 0
    text_bytes: int = 0
    #: How many bytes of text the learner's quota leaves for this document; read by the first batch's write.
    text_budget: int | None = None
    #: The document as this job last wrote it: the next lifecycle event tries it first instead of a read.
    document: Document | None = None


def ocr_options() -> OcrOptions:
    """The OCR settings for the page processes. A page's OCR is cut off well inside the job's lease."""
    return OcrOptions(
        enabled=settings.DOCUMENTS_OCR,
        command=settings.DOCUMENTS_OCR_COMMAND,
        languages=settings.DOCUMENTS_OCR_LANGUAGES,
        dpi=settings.DOCUMENTS_OCR_DPI,
        min_chars=settings.DOCUMENTS_OCR_PAGE_MIN_CHARS,
        timeout=min(settings.DOCUMENTS_OCR_PAGE_TIMEOUT_SECONDS, settings.JOBS_LEASE_SECONDS / 2),
        max_pages=settings.DOCUMENTS_OCR_MAX_PAGES,
    )


def _open_pages(
    kind: str, path: str, size_bytes: int, job: JobContext
) -> tuple[int | None, Generator[PageText, None, None]]:
    """(page count if known up front, page iterator) for a stored file of the given kind."""
    if kind == "pdf":
        # Opened once: the page count, the first page (which also decides whether it is a scan) and the pages.
        pdf = PdfPages(path, tables=settings.DOCUMENTS_PDF_TABLES, ocr=ocr_options())
        try:
            _check_page_limit(pdf.page_count)
        except ExtractionError:
            pdf.close()
            raise
        pages = pdf.pages(
            processes=settings.DOCUMENTS_EXTRACT_PROCESSES,
            parallel_min_pages=settings.DOCUMENTS_PARALLEL_MIN_PAGES,
            batch=settings.DOCUMENTS_PAGE_BATCH,
            keepalive=job.heartbeat,
        )
        return pdf.page_count, pages
    if kind == "pptx":
        count = pptx_slide_count(path)
        _check_page_limit(count)
        return count, iter_pptx_pages(path)
    if kind == "docx":
        return None, iter_docx_pages(path)
    return text_section_count(size_bytes), iter_text_pages(path)


def _check_page_limit(count: int, *, counted_so_far: bool = False) -> None:
    """Known up front for PDF and PPTX; DOCX pages and text sections are counted as they come."""
    limit = settings.DOCUMENTS_MAX_PAGES
    if count > limit:
        has = f"more than {limit} pages (pages, slides or sections)" if counted_so_far else f"{count} pages"
        raise ExtractionError("too_many_pages", f"This document has {has}; the limit is {limit}.")


def _charge_text(batch_bytes: int, counts: _Counts) -> None:
    counts.text_bytes += batch_bytes
    if counts.text_budget is not None and counts.text_bytes > counts.text_budget:
        raise ExtractionError(
            "quota_exceeded",
            "The text of this document would exceed your storage quota of "
            f"{settings.DOCUMENTS_QUOTA_BYTES // (1024 * 1024)} MB (uploaded files and their text). "
            "Delete documents you no longer need and run it again.",
        )


_Batch = list[tuple[int, str, list[Table], str]]


def _charge_first_batch(document_id: int, batch_bytes: int, counts: _Counts) -> None:
    """The first batch's charge and the learner's text budget in one statement: the batch's conditional UPDATE
    (every batch runs one) also returns the bytes the learner's other live documents use (files and text), the
    sum ``selectors.storage_used(excluding_document_id=...)`` reads."""
    document = counts.document
    assert document is not None  # the job's start wrote it
    deleted = str(Document.Status.DELETED)
    params: list[int | str] = [batch_bytes, document_id, deleted, document.owner_id, deleted, document_id]
    with connection.cursor() as cursor:
        cursor.execute(_first_charge_sql(), params)
        row = cursor.fetchone()
    if row is None:
        raise _Cancelled
    used = int(row[0] or 0)
    counts.text_budget = settings.DOCUMENTS_QUOTA_BYTES - used - document.size_bytes


@cache
def _first_charge_sql() -> str:
    """``UPDATE ... RETURNING (SELECT ...)`` (SQLite 3.35+ and PostgreSQL; the ORM builds no RETURNING).
    Params: batch bytes, document id, deleted, owner id, deleted, document id."""
    meta = Document._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        return quote(str(field.column))

    pk, status, text, size, owner = (column(n) for n in ("id", "status", "text_bytes", "size_bytes", "owner"))
    used = (
        f"SELECT SUM(other.{size} + other.{text}) FROM {table} other "  # noqa: S608 - names only
        f"WHERE other.{owner} = %s AND NOT (other.{status} = %s) AND NOT (other.{pk} = %s)"
    )
    return (
        f"UPDATE {table} SET {text} = {text} + %s WHERE {pk} = %s AND NOT ({status} = %s) "  # noqa: S608 - names only
        f"RETURNING ({used})"
    )


def _flush(document_id: int, batch: _Batch, counts: _Counts) -> None:
    with transaction.atomic():
        _write_batch(document_id, batch, counts)


def _write_batch(document_id: int, batch: _Batch, counts: _Counts) -> None:
    """Writes a batch of pages and their chunks; the caller's transaction is the unit."""
    # One conditional UPDATE locks the document row, checks it is live and charges the batch's text (the
    # first batch's also reads what the learner's other documents use); a batch over the quota raises below
    # and rolls the charge back with the batch.
    batch_bytes = sum(len(text.encode()) for _, text, _, _ in batch)
    if counts.text_budget is None:
        _charge_first_batch(document_id, batch_bytes, counts)
    else:
        live = Document.objects.filter(pk=document_id).exclude(status=Document.Status.DELETED)
        if not live.update(text_bytes=F("text_bytes") + batch_bytes):
            raise _Cancelled
    _charge_text(batch_bytes, counts)
    pages, chunks = [], []
    for number, text, tables, source in batch:
        pages.append(
            Page(
                document_id=document_id,
                number=number,
                text=text,
                tables=tables,
                has_tables=bool(tables),
                text_source=source,
            )
        )
        for span in chunk_page(
            number, text, size=settings.DOCUMENTS_CHUNK_CHARS, overlap=settings.DOCUMENTS_CHUNK_OVERLAP
        ):
            chunks.append(
                Chunk(
                    document_id=document_id,
                    index=counts.chunks,
                    page_number=span.page_number,
                    char_start=span.char_start,
                    char_end=span.char_end,
                    text=span.text,
                )
            )
            counts.chunks += 1
    Page.objects.bulk_create(pages)
    Chunk.objects.bulk_create(chunks)


def _record_progress(document_id: int, done: int, total: int | None, counts: _Counts) -> None:
    with transaction.atomic():
        document = lifecycle.append_with_retry(
            document_id,
            lifecycle.EXTRACTION_PROGRESSED,
            {"pages_done": done, "page_count": total},
            when=_is_live,
            known=counts.document,
        )
        if document is not None:
            counts.document = document
            _notify(document)


def _start(document_id: int, job: JobContext) -> Document | None:
    never_started = False

    def started(document: Document) -> dict[str, Any]:
        nonlocal never_started
        # Still "uploaded": no extraction ever started on it, so no attempt left pages behind to delete.
        never_started = document.status == Document.Status.UPLOADED
        return {"job_id": job.job_id, "attempt": job.attempt}

    with transaction.atomic():
        document = lifecycle.append_with_retry(document_id, lifecycle.EXTRACTION_STARTED, started, when=_is_live)
        if document is not None:
            if not never_started:
                services.document_text_delete(document_id=document_id)
            _notify(document)
    return document


def _check_text(kind: str, counts: _Counts) -> None:
    if kind == "pdf" and counts.characters < settings.DOCUMENTS_MIN_PDF_CHARS:
        limit = (
            f" {counts.ocr_limit_pages} scanned pages were not read: at most {settings.DOCUMENTS_OCR_MAX_PAGES} "
            "pages of a document are read by OCR."
            if counts.ocr_limit_pages
            else ""
        )
        raise JobFailed(
            "no_text",
            f"Almost no text could be read from this PDF ({counts.characters} characters): it is scanned, "
            f"image-only or damaged. Upload a PDF with a text layer.{limit}",
        )
    if counts.characters == 0:
        raise JobFailed("no_text", "This document contains no text.")


def _finish(document_id: int, kind: str, counts: _Counts, last_batch: _Batch) -> None:
    """The last batch of pages and the ``processed`` event in one transaction (a document of one batch is
    written in one go)."""
    with transaction.atomic():
        if last_batch:
            _write_batch(document_id, last_batch, counts)
        document = lifecycle.append_with_retry(
            document_id,
            lifecycle.PROCESSED,
            {"page_count": counts.pages, "chunk_count": counts.chunks},
            when=_is_live,
            known=counts.document,
        )
        if document is None:
            raise _Cancelled
        _notify(document)
        publish(
            "document.processed",
            {
                "document_id": document_id,
                "owner_id": document.owner_id,
                "page_count": counts.pages,
                "chunk_count": counts.chunks,
                "source_kind": kind,
            },
        )


def _extract_pages(document: Document, job: JobContext, counts: _Counts) -> _Batch:
    """Reads the pages and writes every full batch; returns the last batch, written with the ``processed``
    event."""
    with local_copy(document.storage_name) as path:
        total, pages = _open_pages(document.source_kind, path, document.size_bytes, job)
        # No progress write before the first page: the first batch reports done/total, and a document of one
        # batch goes straight to the job's success, which records the page count as done/total.
        # closing(): stops the PDF worker processes at once when we stop early (deletion, failure).
        with closing(pages):
            last_batch = _consume(document.pk, pages, job, total, counts)
        job.total_known(counts.pages)
    return last_batch


def _consume(
    document_id: int, pages: Iterator[PageText], job: JobContext, total: int | None, counts: _Counts
) -> _Batch:
    batch: _Batch = []
    next_event_at = PROGRESS_EVENT_STEP
    for page in pages:
        text = clean_text(page.text)
        counts.pages += 1
        _check_page_limit(counts.pages, counted_so_far=True)
        counts.characters += visible_chars(text)
        counts.ocr_pages += page.source == SOURCE_OCR
        counts.ocr_limit_pages += page.source == SOURCE_OCR_LIMIT
        tables = [[[clean_text(cell) for cell in row] for row in table] for table in page.tables]
        batch.append((page.number, text, tables, page.source))
        if page.source == SOURCE_OCR:
            # An OCR'd page takes seconds: report it (the job throttles the writes), which renews the lease.
            job.progress(counts.pages, max(total or 0, counts.pages))
        else:
            job.heartbeat()
        if len(batch) >= settings.DOCUMENTS_PAGE_BATCH:
            _flush(document_id, batch, counts)
            batch = []
            job.progress(counts.pages, max(total or 0, counts.pages))
            if total and counts.pages / total >= next_event_at:
                _record_progress(document_id, counts.pages, max(total, counts.pages), counts)
                next_event_at = counts.pages / total + PROGRESS_EVENT_STEP
    return batch


def document_extract(*, job: JobContext) -> dict[str, Any]:
    """The ``documents.extract`` job. Bad input raises JobFailed (no retry); crashes are retried."""
    document_id = int(job.payload["document_id"])
    document = _start(document_id, job)
    if document is None:
        return {"skipped": "document deleted"}
    counts = _Counts(document=document)
    try:
        last_batch = _extract_pages(document, job, counts)
        _check_text(document.source_kind, counts)
        _finish(document_id, document.source_kind, counts, last_batch)
    except ExtractionError as exc:
        raise JobFailed(exc.code, exc.message) from exc
    except _Cancelled:
        return {"skipped": "document deleted during extraction"}
    if counts.ocr_limit_pages:
        logger.warning(
            "document %s: %s pages needed OCR beyond DOCUMENTS_OCR_MAX_PAGES and have no text",
            document_id,
            counts.ocr_limit_pages,
        )
    return {
        "page_count": counts.pages,
        "chunk_count": counts.chunks,
        "ocr_pages": counts.ocr_pages,
        "ocr_limit_pages": counts.ocr_limit_pages,
    }


def extraction_failed(job: JobInfo) -> None:
    """Job failure hook (the handler gave up, or the reaper after the last attempt): the document fails with
    the job's reason instead of staying ``processing``; partial text is dropped; the saga is told."""
    document_id = int(job.payload["document_id"])
    document = lifecycle.append_with_retry(
        document_id,
        lifecycle.EXTRACTION_FAILED,
        {"code": job.error_code, "reason": job.error, "job_id": job.id, "attempts": job.attempts},
        when=lambda d: d.status not in (Document.Status.DELETED, Document.Status.PROCESSED),
    )
    if document is None:
        return
    services.document_text_delete(document_id=document_id)
    _notify(document)
    publish(
        "pipeline.step.failed",
        {
            "step": "extraction",
            "subject_type": "document",
            "subject_id": document_id,
            "owner_id": document.owner_id,
            "reason": job.error_code,
            "attempts": job.attempts,
        },
    )
