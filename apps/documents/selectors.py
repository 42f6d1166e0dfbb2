"""Reads, always scoped to the requesting learner: another learner's document does not exist for them."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import F, Field, Q, QuerySet, Sum

from apps.core.prepared import PreparedList, PreparedRead, Row
from apps.documents import lifecycle
from apps.documents.models import Chunk, Document, Page


def document_list_for_owner(
    *, owner_id: int, course: str | None = None, status: str | None = None
) -> QuerySet[Document]:
    documents = Document.objects.filter(owner_id=owner_id).exclude(status=Document.Status.DELETED)
    if course:
        documents = documents.filter(course=course)
    if status:
        documents = documents.filter(status=status)
    return documents.order_by("-id")


def _prepared_list(*, course: bool, status: bool) -> PreparedRead:
    values: dict[str, type] = {"owner_id": int}
    if course:
        values["course"] = str
    if status:
        values["status"] = str
    return PreparedRead(document_list_for_owner, values=values, with_total=True)


#: One prepared read per shape of the list: with or without each filter.
_PREPARED_LISTS = {
    (course, status): _prepared_list(course=course, status=status)
    for course in (False, True)
    for status in (False, True)
}


def document_list_rows_for_owner(
    *, owner_id: int, course: str | None = None, status: str | None = None
) -> PreparedList | QuerySet[Document]:
    """``document_list_for_owner`` for a paginated list: rows (``apps.core.prepared.Row``) read by SQL compiled
    once per process (ADR 0027), or the queryset where the database has no window functions."""
    values: dict[str, Any] = {"owner_id": owner_id}
    if course:
        values["course"] = course
    if status:
        values["status"] = status
    return _PREPARED_LISTS[(bool(course), bool(status))].listed(**values)


def document_get_for_owner(*, owner_id: int, document_id: int) -> Document | None:
    return document_list_for_owner(owner_id=owner_id).filter(pk=document_id).first()


def document_history(*, document: Document) -> list[lifecycle.StoredEvent]:
    return lifecycle.events_of(document.pk)


def chunk_list(*, document: Document) -> QuerySet[Chunk]:
    return Chunk.objects.filter(document=document).order_by("index")


def page_list(*, document: Document, with_tables: bool = False) -> QuerySet[Page]:
    """The document's pages in order; ``with_tables``: only the pages where tables were found."""
    pages = Page.objects.filter(document=document).order_by("number")
    return pages.filter(has_tables=True) if with_tables else pages


def _pages_of(*, document_id: int) -> QuerySet[Page]:
    return Page.objects.filter(document_id=document_id).order_by("number")


def _pages_with_tables_of(*, document_id: int) -> QuerySet[Page]:
    return _pages_of(document_id=document_id).filter(has_tables=True)


def _owned_document_id(*, owner_id: int, document_id: int) -> QuerySet[Document]:
    return _owned_document(owner_id=owner_id, document_id=document_id).only("id")


_PREPARED_OWNED = PreparedRead(_owned_document_id, values={"owner_id": int, "document_id": int})
#: The pages of a document, all or those with tables: two shapes.
_PREPARED_PAGES = {
    with_tables: PreparedRead(
        _pages_with_tables_of if with_tables else _pages_of, values={"document_id": int}, with_total=True
    )
    for with_tables in (False, True)
}


def page_list_rows_for_owner(
    *, owner_id: int, document_id: int, with_tables: bool = False
) -> PreparedList | QuerySet[Page] | None:
    """``page_list`` of the learner's document for a paginated list: rows read by SQL compiled once per process
    (ADR 0027), or the queryset where the database has no window functions; None if the document does not
    exist for them."""
    read = _PREPARED_PAGES[with_tables]
    if not read.is_supported():
        document = document_get_for_owner(owner_id=owner_id, document_id=document_id)
        return None if document is None else page_list(document=document, with_tables=with_tables)
    if not _PREPARED_OWNED.rows(limit=1, owner_id=owner_id, document_id=document_id):
        return None
    return PreparedList(read, document_id=document_id)


@dataclass(frozen=True)
class PageSummary:
    """Which pages of a document stand out, in page order (one query for the document detail)."""

    table_pages: list[int]  # PDF pages where ruled tables were found
    ocr_pages: list[int]  # pages whose text was read by OCR
    ocr_limit_pages: list[int]  # scanned pages past DOCUMENTS_OCR_MAX_PAGES, left without text


def _page_summary_rows(*, document_id: int) -> QuerySet[Page]:
    return (
        Page.objects.filter(document_id=document_id)
        .filter(Q(has_tables=True) | ~Q(text_source=Page.TextSource.TEXT))
        .order_by("number")
    )


def _summary_of(rows: Any) -> PageSummary:
    summary = PageSummary([], [], [])
    for number, source, has_tables in rows:
        if has_tables:
            summary.table_pages.append(number)
        if source == Page.TextSource.OCR:
            summary.ocr_pages.append(number)
        elif source == Page.TextSource.OCR_LIMIT:
            summary.ocr_limit_pages.append(number)
    return summary


def page_summary(*, document: Document) -> PageSummary:
    return _summary_of(_page_summary_rows(document_id=document.pk).values_list("number", "text_source", "has_tables"))


def _owned_document(*, owner_id: int, document_id: int) -> QuerySet[Document]:
    return document_list_for_owner(owner_id=owner_id).filter(pk=document_id)


def _summary_columns(*, document_id: int) -> QuerySet[Page]:
    return _page_summary_rows(document_id=document_id).only("number", "text_source", "has_tables")


_PREPARED_DETAIL = PreparedRead(_owned_document, values={"owner_id": int, "document_id": int})
_PREPARED_SUMMARY = PreparedRead(_summary_columns, values={"document_id": int})


def document_detail_for_owner(*, owner_id: int, document_id: int) -> tuple[Row, PageSummary] | None:
    """The learner's document as a row (``apps.core.prepared``, ADR 0027) and its page summary, for the
    detail's output serializer; None if it does not exist for them."""
    rows = _PREPARED_DETAIL.rows(limit=1, owner_id=owner_id, document_id=document_id)
    if not rows:
        return None
    pages = _PREPARED_SUMMARY.rows(document_id=document_id)
    return rows[0], _summary_of((row.number, row.text_source, row.has_tables) for row in pages)


def storage_used(*, owner_id: int, excluding_document_id: int | None = None) -> int:
    """Bytes the learner's live documents take: the uploaded files plus the text extracted from them."""
    documents = document_list_for_owner(owner_id=owner_id)
    if excluding_document_id is not None:
        documents = documents.exclude(pk=excluding_document_id)
    used = documents.aggregate(total=Sum(F("size_bytes") + F("text_bytes")))["total"]
    return int(used or 0)


@dataclass(frozen=True)
class LearnerUsage:
    """What the upload limits look at, read in one query."""

    bytes_used: int
    documents: int
    pending_extractions: int


def learner_usage(*, owner_id: int) -> LearnerUsage:
    """``storage_used``, ``document_count`` and ``pending_extraction_count`` in one aggregate query.

    The statement is the one ``document_list_for_owner(...).aggregate(...)`` builds, written out once: an
    upload reads it twice (before storing the file and again under the lock), and building the aggregate
    through the ORM cost more than SQLite or PostgreSQL take to run it."""
    pending = (Document.Status.UPLOADED, Document.Status.PROCESSING)
    with connection.cursor() as cursor:
        cursor.execute(_usage_sql(), [*pending, owner_id, Document.Status.DELETED])
        used, documents, pending_count = cursor.fetchone()
    return LearnerUsage(bytes_used=int(used or 0), documents=int(documents), pending_extractions=int(pending_count))


@cache
def _usage_sql() -> str:
    meta = Document._meta
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(str(meta.pk.column))

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        return connection.ops.quote_name(str(field.column))

    size, text, status, owner = column("size_bytes"), column("text_bytes"), column("status"), column("owner")
    counts = f"SUM({size} + {text}), COUNT({pk}), COUNT(CASE WHEN {status} IN (%s, %s) THEN {pk} END)"
    return f"SELECT {counts} FROM {table} WHERE {owner} = %s AND NOT ({status} = %s)"  # noqa: S608 - names only


def document_count(*, owner_id: int) -> int:
    """The learner's documents that are not deleted (failed ones included: they still hold a file)."""
    return document_list_for_owner(owner_id=owner_id).count()


def pending_extraction_count(*, owner_id: int) -> int:
    """The learner's documents waiting for or in extraction: their queued and running extraction jobs."""
    pending = (Document.Status.UPLOADED, Document.Status.PROCESSING)
    return document_list_for_owner(owner_id=owner_id).filter(status__in=pending).count()


@dataclass(frozen=True)
class ChunkInfo:
    """What other apps (speech, notes, chat) get of a chunk: plain data, with its citation."""

    document_id: int
    index: int
    page_number: int
    char_start: int
    char_end: int
    text: str


def document_chunks(*, owner_id: int, document_id: int) -> list[ChunkInfo]:
    """The chunks of a processed document of ``owner_id``; empty if it is not theirs or not processed."""
    rows = Chunk.objects.filter(
        document_id=document_id, document__owner_id=owner_id, document__status=Document.Status.PROCESSED
    ).order_by("index")
    return [
        ChunkInfo(row.document_id, row.index, row.page_number, row.char_start, row.char_end, row.text) for row in rows
    ]


@dataclass(frozen=True)
class DocumentInfo:
    """What other apps (notes, quizzes) may check of a document before using it: plain data."""

    id: int
    owner_id: int
    title: str
    status: str
    page_count: int | None


def document_info(*, owner_id: int, document_id: int) -> DocumentInfo | None:
    """The learner's (not deleted) document, or None if it does not exist for them."""
    document = document_get_for_owner(owner_id=owner_id, document_id=document_id)
    if document is None:
        return None
    return DocumentInfo(document.pk, document.owner_id, document.title, document.status, document.page_count)
