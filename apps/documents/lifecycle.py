"""Event-sourced document lifecycle: append events with optimistic concurrency, fold them into state.

Every state change of a document is one ``DocumentEvent`` with the next sequence number of that document.
``Document`` rows are a projection: :func:`apply` folds one event into a :class:`DocumentState`, and
``rebuild_documents`` replays every stream from the first event to check or repair the projection.
Stored events of older schema versions are upcast on read (:data:`UPCASTERS`), so folding code only
knows the current shape of each event.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.documents.models import Document, DocumentEvent

UPLOADED = "uploaded"
EXTRACTION_REQUESTED = "extraction_requested"
EXTRACTION_STARTED = "extraction_started"
EXTRACTION_PROGRESSED = "extraction_progressed"
PROCESSED = "processed"
EXTRACTION_FAILED = "extraction_failed"
DELETED = "deleted"

#: The schema version each event type is written with today.
CURRENT_VERSIONS = {
    UPLOADED: 2,
    EXTRACTION_REQUESTED: 1,
    EXTRACTION_STARTED: 1,
    EXTRACTION_PROGRESSED: 1,
    PROCESSED: 1,
    EXTRACTION_FAILED: 1,
    DELETED: 1,
}


class ConcurrencyConflict(Exception):
    """Another writer appended to this document's stream since it was read: re-read and decide again."""


@dataclass(frozen=True)
class StoredEvent:
    document_id: int
    owner_id: int
    sequence: int
    type: str
    schema_version: int
    data: dict[str, Any]
    occurred_at: datetime
    actor_id: int | None = None


@dataclass(frozen=True)
class DocumentState:
    """Exactly the projected columns of ``Document`` (besides id and owner)."""

    title: str = ""
    course: str = ""
    tags: list[str] = field(default_factory=list)
    original_name: str = ""
    media_type: str = ""
    source_kind: str = ""
    size_bytes: int = 0
    sha256: str = ""
    storage_name: str = ""
    status: str = Document.Status.UPLOADED
    pages_done: int = 0
    page_count: int | None = None
    chunk_count: int = 0
    failure_code: str = ""
    failure_reason: str = ""
    extraction_job_id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    processed_at: datetime | None = None
    deleted_at: datetime | None = None


PROJECTED_FIELDS = tuple(DocumentState.__dataclass_fields__)


# --- upcasting -------------------------------------------------------------------------------------------


def _uploaded_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 (first release) stored ``name``/``mime``/``size``/``path`` and no course or tags."""
    return {
        "title": data.get("title") or data.get("name", ""),
        "course": "",
        "tags": [],
        "original_name": data.get("name", ""),
        "media_type": data.get("mime", ""),
        "source_kind": data.get("kind", ""),
        "size_bytes": data.get("size", 0),
        "sha256": data.get("sha256", ""),
        "storage_name": data.get("path", ""),
    }


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    (UPLOADED, 1): _uploaded_v1_to_v2,
}


def upcast(event: StoredEvent) -> StoredEvent:
    while event.schema_version < CURRENT_VERSIONS.get(event.type, event.schema_version):
        step = UPCASTERS[(event.type, event.schema_version)]
        event = replace(event, data=step(event.data), schema_version=event.schema_version + 1)
    return event


def _stored(row: DocumentEvent) -> StoredEvent:
    return upcast(
        StoredEvent(
            document_id=row.document_id,
            owner_id=row.owner_id,
            sequence=row.sequence,
            type=row.type,
            schema_version=row.schema_version,
            data=row.data,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
        )
    )


def events_of(document_id: int) -> list[StoredEvent]:
    return [_stored(row) for row in DocumentEvent.objects.filter(document_id=document_id).order_by("sequence")]


def iter_streams(batch_size: int = 2000) -> Iterator[tuple[int, int, list[StoredEvent]]]:
    """Yields (document_id, owner_id, events) for every stream in the store, reading in bounded batches."""
    current: list[StoredEvent] = []
    rows = DocumentEvent.objects.order_by("document_id", "sequence").iterator(chunk_size=batch_size)
    for row in rows:
        if current and current[0].document_id != row.document_id:
            yield current[0].document_id, current[0].owner_id, current
            current = []
        current.append(_stored(row))
    if current:
        yield current[0].document_id, current[0].owner_id, current


# --- folding ---------------------------------------------------------------------------------------------


def apply(state: DocumentState, event: StoredEvent) -> DocumentState:
    """The one place that says what an event does to a document's state. Pure: no I/O."""
    d = event.data
    common: dict[str, Any] = {"version": event.sequence, "updated_at": event.occurred_at}
    if event.type == UPLOADED:
        return replace(
            state,
            **common,
            title=d["title"],
            course=d.get("course", ""),
            tags=list(d.get("tags", [])),
            original_name=d["original_name"],
            media_type=d["media_type"],
            source_kind=d["source_kind"],
            size_bytes=d["size_bytes"],
            sha256=d["sha256"],
            storage_name=d["storage_name"],
            status=Document.Status.UPLOADED,
            created_at=event.occurred_at,
        )
    if event.type == EXTRACTION_REQUESTED:
        return replace(state, **common, extraction_job_id=d["job_id"])
    if event.type == EXTRACTION_STARTED:
        return replace(
            state,
            **common,
            status=Document.Status.PROCESSING,
            pages_done=0,
            chunk_count=0,
            failure_code="",
            failure_reason="",
            extraction_job_id=d.get("job_id", state.extraction_job_id),
        )
    if event.type == EXTRACTION_PROGRESSED:
        return replace(state, **common, pages_done=d["pages_done"], page_count=d["page_count"])
    if event.type == PROCESSED:
        return replace(
            state,
            **common,
            status=Document.Status.PROCESSED,
            pages_done=d["page_count"],
            page_count=d["page_count"],
            chunk_count=d["chunk_count"],
            processed_at=event.occurred_at,
        )
    if event.type == EXTRACTION_FAILED:
        return replace(
            state, **common, status=Document.Status.FAILED, failure_code=d["code"], failure_reason=d["reason"]
        )
    if event.type == DELETED:
        return replace(
            state,
            **common,
            status=Document.Status.DELETED,
            storage_name="",
            chunk_count=0,
            deleted_at=event.occurred_at,
        )
    raise ValueError(f"unknown document event type {event.type!r}")


def fold(events: Iterable[StoredEvent]) -> DocumentState:
    state = DocumentState()
    for event in events:
        state = apply(state, event)
    return state


def state_of(document: Document) -> DocumentState:
    return DocumentState(**{name: getattr(document, name) for name in PROJECTED_FIELDS})


def columns_of(state: DocumentState) -> dict[str, Any]:
    """The projected columns of ``state``: ``dataclasses.asdict`` without its deep copy of every value (the
    values are strings, numbers, times and the tags list, which ``apply`` builds afresh when it sets it)."""
    return {name: getattr(state, name) for name in PROJECTED_FIELDS}


# --- appending -------------------------------------------------------------------------------------------


def _insert(
    *,
    document_id: int,
    owner_id: int,
    sequence: int,
    type: str,
    data: dict[str, Any],
    actor_id: int | None,
    occurred_at: datetime | None = None,
) -> StoredEvent:
    """Inserts one event. Callers run it inside their own atomic block (``start_stream``, ``append``), after
    the write that makes the sequence number theirs, so the insert needs no savepoint of its own."""
    try:
        row = DocumentEvent.objects.create(
            document_id=document_id,
            owner_id=owner_id,
            sequence=sequence,
            type=type,
            schema_version=CURRENT_VERSIONS[type],
            data=data,
            occurred_at=occurred_at or timezone.now(),
            actor_id=actor_id,
        )
    except IntegrityError as exc:
        raise ConcurrencyConflict(f"document {document_id}: sequence {sequence} already taken") from exc
    return _stored(row)


@transaction.atomic(savepoint=False)
def start_stream(*, owner_id: int, data: dict[str, Any], actor_id: int | None = None) -> Document:
    """Creates a document from its ``uploaded`` event (sequence 1): the projection row is written once, from
    the event as it is stored (same time stamp), then the event that references it. No savepoint: a new
    document's first sequence number cannot be taken, and any error fails the caller's transaction anyway."""
    now = timezone.now()
    provisional = StoredEvent(0, owner_id, 1, UPLOADED, CURRENT_VERSIONS[UPLOADED], data, now, actor_id)
    document = Document.objects.create(owner_id=owner_id, **columns_of(apply(DocumentState(), provisional)))
    _insert(
        document_id=document.pk,
        owner_id=owner_id,
        sequence=1,
        type=UPLOADED,
        data=data,
        actor_id=actor_id,
        occurred_at=now,
    )
    return document


def append(
    document: Document, type: str, data: dict[str, Any] | None = None, *, actor_id: int | None = None
) -> Document:
    """Appends one event at ``document.version + 1`` and updates the projection in the same transaction.

    The projection is updated first, on the condition that it is still at ``document.version``: that UPDATE
    locks the row, so the event INSERT after it cannot find its sequence number taken by a concurrent writer
    (every writer goes through the same conditional UPDATE first). A stream that moved on is detected by the
    UPDATE matching no row, before anything failed, so no savepoint is needed to retry inside a caller's
    transaction.

    Raises ConcurrencyConflict when the stream moved on since ``document`` was read.
    """
    expected = document.version
    event = StoredEvent(
        document_id=document.pk,
        owner_id=document.owner_id,
        sequence=expected + 1,
        type=type,
        schema_version=CURRENT_VERSIONS[type],
        data=data or {},
        occurred_at=timezone.now(),
        actor_id=actor_id,
    )
    state = apply(state_of(document), event)
    changed = {name: value for name, value in columns_of(state).items() if getattr(document, name) != value}
    with transaction.atomic(savepoint=False):
        written = Document.objects.filter(pk=document.pk, version=expected).update(**changed)
        if written:
            _insert(
                document_id=event.document_id,
                owner_id=event.owner_id,
                sequence=event.sequence,
                type=type,
                data=event.data,
                actor_id=actor_id,
                occurred_at=event.occurred_at,
            )
    if not written:
        raise ConcurrencyConflict(f"document {document.pk}: projection moved past version {expected}")
    for name, value in changed.items():
        setattr(document, name, value)
    return document


def append_with_retry(
    document_id: int,
    type: str,
    data: dict[str, Any] | Callable[[Document], dict[str, Any]] | None = None,
    *,
    when: Callable[[Document], bool] = lambda document: True,
    actor_id: int | None = None,
    attempts: int = 5,
    known: Document | None = None,
) -> Document | None:
    """Re-reads the document and appends if ``when`` still holds, retrying on a concurrency conflict.

    ``known``: a copy of the document the caller read or wrote earlier, tried first without a read. Every
    state change moves the version, so a stale copy fails the conditional write and the document is re-read.

    Returns None when the document is gone or ``when`` is false (e.g. it was deleted meanwhile).
    """
    for attempt in range(attempts):
        document = known if attempt == 0 and known is not None else Document.objects.filter(pk=document_id).first()
        if document is None or not when(document):
            return None
        try:
            payload = data(document) if callable(data) else data
            return append(document, type, payload, actor_id=actor_id)
        except ConcurrencyConflict:
            continue
    raise ConcurrencyConflict(f"document {document_id}: gave up after {attempts} conflicting appends")


def stream_count() -> int:
    return DocumentEvent.objects.values("document_id").distinct().count()


def rebuild(*, write: bool = True, on_stream: Callable[[], None] | None = None) -> tuple[int, list[int]]:
    """Replays every stream; returns (streams replayed, ids whose stored projection differed)."""
    replayed, differing = 0, []
    for document_id, owner_id, events in iter_streams():
        replayed += 1
        if on_stream is not None:
            on_stream()
        state = fold(events)
        document = Document.objects.filter(pk=document_id).first()
        if document is not None and state_of(document) == state:
            continue
        differing.append(document_id)
        if write:
            Document.objects.update_or_create(pk=document_id, defaults={"owner_id": owner_id, **columns_of(state)})
    return replayed, differing
