"""``publish``: the one way to emit an event."""

import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from eventbus import metrics
from eventbus.context import current_event
from eventbus.registry import Topic, get_topic
from eventbus.schemas import validate_for_publish

if TYPE_CHECKING:
    from django.db.models import Field

AfterCommit = Callable[[list[uuid.UUID]], None]
#: Who is told, once the publishing transaction commits, which events it wrote. The in-process transport
#: registers itself here when the eventbus app is ready (``eventbus.transports``), so this module knows no
#: transport (no import cycle publishing -> transports -> delivery -> publishing). Code, not state: every
#: process fills it the same way at start.
_after_commit: list[AfterCommit] = []


def deliver_after_commit_with(hook: AfterCommit) -> None:
    """Register ``hook(event_ids)`` to run after each commit that published events (idempotent)."""
    if hook not in _after_commit:
        _after_commit.append(hook)


def _committed(event_ids: list[uuid.UUID]) -> None:
    for hook in _after_commit:
        hook(event_ids)


def publish(topic: str, payload: Mapping[str, Any], *, key: str | None = None, subject: str | None = None) -> uuid.UUID:
    """Publish one event on ``topic`` and return its id. Call it where the change it announces is written.

    - ``payload`` (a plain dict, or the topic's ``TypedDict`` from ``eventbus.payloads`` so mypy checks it) is
      validated against the topic's JSON Schema (``eventbus/registry.py``); an
      unknown or missing field raises :class:`eventbus.schemas.InvalidPayload` before anything is written.
      Payloads carry ids and metadata only, never a learner's content.
    - The event is written to the outbox table inside ``transaction.atomic()``: inside your own
      transaction it commits or rolls back with your change (nothing is published if you roll back);
      outside one it commits at once. Nothing is lost if the broker is down or the process dies after
      the commit: the outbox row stays until it is delivered.
    - ``key`` (the partition key; events of one key keep their order) defaults to
      ``str(payload[<topic's key field>])``, e.g. the document id for ``document.*``.
    - ``subject`` (CloudEvents ``subject``) defaults to ``"<entity>/<id>"`` from the first ``*_id`` field.
    - Called from a handler, the event inherits the handled event's ``correlation_id`` and gets its id as
      ``causation_id``; otherwise it starts a new correlation (its own id).
    - Delivery: after commit, to subscribed handlers in this process (``EVENTBUS_TRANSPORT=inprocess``) or
      by ``manage.py relay_outbox`` to Kafka (``kafka``). At least once: handlers are made idempotent by
      the bus's per-group ledger.
    """
    return publish_many(topic, [payload], keys=[key] if key is not None else None, subject=subject)[0]


def publish_many(
    topic: str,
    payloads: Iterable[Mapping[str, Any]],
    *,
    keys: list[str] | None = None,
    subject: str | None = None,
) -> list[uuid.UUID]:
    """Publish several events of one topic in one statement (bulk insert); same guarantees as :func:`publish`."""
    spec = get_topic(topic)
    payloads = list(payloads)
    if keys is not None and len(keys) != len(payloads):
        raise ValueError("keys must have one key per payload")
    rows = [_outbox_row(spec, payload, keys[i] if keys else None, subject) for i, payload in enumerate(payloads)]
    from eventbus.models import OutboxEvent

    using = router.db_for_write(OutboxEvent)
    connection = connections[using]
    event_ids = [row["event_id"] for row in rows]
    if connection.in_atomic_block:
        # Inside the caller's transaction (a request's): no atomic block of our own, which would cost as much
        # Python as the rest of a publish, but the same protection: a failed insert marks the caller's
        # transaction for rollback, as ``atomic(savepoint=False)`` would.
        with transaction.mark_for_rollback_on_error(using):
            _insert(connection, rows)
        transaction.on_commit(lambda: _committed(event_ids), using=using)
    else:
        # No savepoint needed: a failed insert fails the transaction anyway, and a savepoint costs two round trips.
        with transaction.atomic(using=using, savepoint=False):
            _insert(connection, rows)
            transaction.on_commit(lambda: _committed(event_ids), using=using)
    _published(topic).inc(len(rows))
    return event_ids


@cache
def _published(topic: str) -> Any:
    """The topic's child of the published counter, looked up once (``labels()`` takes a lock every call)."""
    return metrics.EVENTS_PUBLISHED.labels(topic=topic)


def shard_of(key: str) -> int:
    """Stable across processes and languages (CRC-32), unlike ``hash()``."""
    return zlib.crc32(key.encode()) % settings.EVENTBUS_RELAY_SHARDS


def _default_subject(spec: Topic, payload: Mapping[str, Any]) -> str:
    for name in spec.schema.fields:
        if name.endswith("_id") and name in payload:
            return f"{name.removesuffix('_id')}/{payload[name]}"
    return ""


def _outbox_row(spec: Topic, payload: Mapping[str, Any], key: str | None, subject: str | None) -> dict[str, Any]:
    validate_for_publish(spec.name, payload)
    key = key if key is not None else str(payload[spec.key_field])
    event_id = uuid.uuid4()
    parent = current_event()
    return {
        "event_id": event_id,
        "topic": spec.name,
        "key": key,
        "shard": shard_of(key),
        "type": spec.event_type,
        "source": settings.EVENTBUS_SOURCE,
        "subject": subject if subject is not None else _default_subject(spec, payload),
        "time": timezone.now(),
        "correlation_id": parent.correlation_id if parent else event_id,
        "causation_id": parent.id if parent else None,
        "schema_version": spec.schema.version,
        "payload": payload,
        "attempts": 0,
        "last_error": "",
    }


def _insert(connection: Any, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT per batch, without the ORM's model instances and ``RETURNING``: the publish path is
    the hottest in the bus (a web request's transaction waits on it). Values go through each field's own
    ``get_db_prep_save``, so they are stored exactly as the ORM would store them, on any database, except where
    that is provably the identity for the values built here (see :func:`_insert_sql`)."""
    fields, prefix, placeholders = _insert_sql(connection.alias, tuple(rows[0]))
    batch = 1 if len(rows) == 1 else max(1, connection.ops.bulk_batch_size([field for field, _ in fields], rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params = [
                field.get_db_prep_save(row[field.name], connection) if needs_prep else row[field.name]
                for row in chunk
                for field, needs_prep in fields
            ]
            cursor.execute(prefix + ", ".join([placeholders] * len(chunk)), params)


#: Fields whose Python value is already what the database driver takes (no conversion to skip).
_PLAIN_FIELDS = ("CharField", "TextField", "PositiveIntegerField", "PositiveSmallIntegerField")
#: Also plain where the database has native uuids and Django hands aware datetimes to the driver unchanged
#: (PostgreSQL: ``get_db_prep_save`` returns the very ``uuid.UUID`` and aware ``datetime`` :func:`_outbox_row`
#: builds). About a third of a request's publish was these calls.
_NATIVE_FIELDS = ("UUIDField", "DateTimeField")


@cache
def _insert_sql(alias: str, names: tuple[str, ...]) -> tuple[tuple[tuple["Field[Any, Any]", bool], ...], str, str]:
    """Per database and column set: (field, needs conversion) pairs, the INSERT's start and a row's placeholders."""
    from eventbus.models import OutboxEvent

    connection = connections[alias]
    quote = connection.ops.quote_name
    plain = _PLAIN_FIELDS + (_NATIVE_FIELDS if _has_native_uuid_and_datetime(connection) else ())
    fields = tuple(cast("Field[Any, Any]", OutboxEvent._meta.get_field(name)) for name in names)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    prefix = f"INSERT INTO {quote(OutboxEvent._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names only
    prepared = tuple((field, field.get_internal_type() not in plain) for field in fields)
    return prepared, prefix, "(" + ", ".join(["%s"] * len(fields)) + ")"


def _has_native_uuid_and_datetime(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql" and connection.features.has_native_uuid_field and settings.USE_TZ)
