"""``publish``: the one way to emit an event."""

import json
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from eventbus import metrics
from eventbus.context import current_event
from eventbus.envelope import Event
from eventbus.registry import Topic, get_topic
from eventbus.schemas import validate_for_publish

if TYPE_CHECKING:
    from django.db import models
    from django.db.models import Field

AfterCommit = Callable[[list[uuid.UUID]], None]
#: Who is told, once the publishing transaction commits, which events it wrote, and whether it wants to be (a
#: hook whose ``when()`` is false at publish time costs the publish nothing: no on-commit callback at all). The
#: in-process transport registers itself here when the eventbus app is ready (``eventbus.transports``), so this
#: module knows no transport (no import cycle publishing -> transports -> delivery -> publishing). Code, not
#: state: every process fills it the same way at start.
_after_commit: list[tuple[AfterCommit, Callable[[], bool]]] = []


def _always() -> bool:
    return True


def deliver_after_commit_with(hook: AfterCommit, *, when: Callable[[], bool] = _always) -> None:
    """Register ``hook(event_ids)`` to run after each commit that published events while ``when()`` is true
    (checked at publish time; idempotent per hook)."""
    if hook not in [registered for registered, _ in _after_commit]:
        _after_commit.append((hook, when))


def _hooks_wanted() -> list[AfterCommit]:
    return [hook for hook, when in _after_commit if when()]


def _committed(hooks: list[AfterCommit], event_ids: list[uuid.UUID]) -> None:
    for hook in hooks:
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
    plan = _plan(topic)
    payloads = list(payloads)
    if keys is not None and len(keys) != len(payloads):
        raise ValueError("keys must have one key per payload")
    source, shards, parent = settings.EVENTBUS_SOURCE, settings.EVENTBUS_RELAY_SHARDS, current_event()
    rows = [
        _outbox_row(plan, payload, keys[i] if keys else None, subject, source, shards, parent)
        for i, payload in enumerate(payloads)
    ]
    event_ids: list[uuid.UUID] = [row[0] for row in rows]
    connection = connections[router.db_for_write(plan.model)]
    if connection.in_atomic_block:
        # Inside the caller's transaction (a request's): no atomic block of our own, which would cost as much
        # Python as the rest of a publish, but the same protection: a failed insert marks the caller's
        # transaction for rollback, as ``atomic(savepoint=False)`` and ``transaction.mark_for_rollback_on_error``
        # (whose two lines this is, without a generator-based context manager per publish) would.
        try:
            _insert(connection, rows)
        except Exception as error:
            connection.needs_rollback = True
            connection.rollback_exc = error  # type: ignore[attr-defined]  # Django sets it; the stubs lack it
            raise
        _deliver_on_commit(connection, event_ids)
    else:
        # No savepoint needed: a failed insert fails the transaction anyway, and a savepoint costs two round trips.
        with transaction.atomic(using=connection.alias, savepoint=False):
            _insert(connection, rows)
            _deliver_on_commit(connection, event_ids)
    plan.published.inc(len(rows))
    return event_ids


def _deliver_on_commit(connection: Any, event_ids: list[uuid.UUID]) -> None:
    """One on-commit callback for the events of this call, only if a hook wants them (the in-process transport;
    on Kafka the relay delivers, so nothing runs at commit). Rolled back, the callback is dropped with the rows."""
    hooks = _hooks_wanted()
    if hooks:
        connection.on_commit(partial(_committed, hooks, event_ids))


@dataclass(frozen=True)
class _Plan:
    """What a publish on one topic needs that does not depend on the payload, worked out once per topic (the
    registry is code: it does not change while the process runs)."""

    topic: Topic
    event_type: str
    schema_version: str
    #: The payload's ``*_id`` fields in declaration order with their entity name: the default subject comes from
    #: the first one present (``document_id`` -> ``document/<id>``).
    subject_fields: tuple[tuple[str, str], ...]
    #: The outbox's JSON column is written as the JSON text of the payload, encoded once with the field's own
    #: encoder (what Django's ``adapt_json_value`` does on every backend but PostgreSQL, which parses the text into
    #: ``jsonb`` just the same).
    json_encoder: type[json.JSONEncoder] | None
    published: Any  # the topic's child of the published counter (``labels()`` takes a lock every call)
    model: Any


@cache
def _plan(topic: str) -> _Plan:
    from eventbus.models import OutboxEvent

    spec = get_topic(topic)
    payload_field = cast("models.JSONField[Any]", OutboxEvent._meta.get_field("payload"))
    return _Plan(
        topic=spec,
        event_type=spec.event_type,
        schema_version=spec.schema.version,
        subject_fields=tuple((name, name.removesuffix("_id")) for name in spec.schema.fields if name.endswith("_id")),
        json_encoder=payload_field.encoder,
        published=metrics.EVENTS_PUBLISHED.labels(topic=topic),
        model=OutboxEvent,
    )


def shard_of(key: str, shards: int | None = None) -> int:
    """Stable across processes and languages (CRC-32), unlike ``hash()``; ``shards``: the setting, when the
    caller has read it already (a batch reads it once)."""
    return zlib.crc32(key.encode()) % (shards or settings.EVENTBUS_RELAY_SHARDS)


def _default_subject(plan: _Plan, payload: Mapping[str, Any]) -> str:
    for name, entity in plan.subject_fields:
        if name in payload:
            return f"{entity}/{payload[name]}"
    return ""


#: The outbox columns a publish writes, in the order of :func:`_outbox_row`'s values.
COLUMNS = (
    "event_id",
    "topic",
    "key",
    "shard",
    "type",
    "source",
    "subject",
    "time",
    "correlation_id",
    "causation_id",
    "schema_version",
    "payload",
    "attempts",
    "last_error",
)


def _outbox_row(
    plan: _Plan,
    payload: Mapping[str, Any],
    key: str | None,
    subject: str | None,
    source: str,
    shards: int,
    parent: Event | None,
) -> list[Any]:
    """The row's values in :data:`COLUMNS` order; the payload is validated first, then encoded once."""
    validate_for_publish(plan.topic.name, payload)
    key = key if key is not None else str(payload[plan.topic.key_field])
    event_id = uuid.uuid4()
    return [
        event_id,
        plan.topic.name,
        key,
        shard_of(key, shards),
        plan.event_type,
        source,
        subject if subject is not None else _default_subject(plan, payload),
        timezone.now(),
        parent.correlation_id if parent else event_id,
        parent.id if parent else None,
        plan.schema_version,
        json.dumps(payload, cls=plan.json_encoder),
        0,
        "",
    ]


def _insert(connection: Any, rows: list[list[Any]]) -> None:
    """One multi-row INSERT per batch, without the ORM's model instances and ``RETURNING``: the publish path is
    the hottest in the bus (a web request's transaction waits on it). Values go through each field's own
    ``get_db_prep_save``, so they are stored exactly as the ORM would store them, on any database, except where
    that is provably the identity for the values built here (see :func:`_insert_sql`); the payload is already
    its JSON text (:class:`_Plan`)."""
    statement = _insert_sql(connection.alias)
    for row in rows:
        for index, field in statement.conversions:
            row[index] = field.get_db_prep_save(row[index], connection)
    with connection.cursor() as cursor:
        if len(rows) == 1:  # a request's publish
            cursor.execute(statement.one_row, rows[0])
            return
        batch = max(1, connection.ops.bulk_batch_size(list(statement.fields), rows))
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            sql = statement.prefix + ", ".join([statement.placeholders] * len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])


@dataclass(frozen=True)
class _Statement:
    """The outbox INSERT for one database, in :data:`COLUMNS` order."""

    fields: tuple["Field[Any, Any]", ...]
    #: (position, field) of the values that go through ``get_db_prep_save``; the rest are what the driver takes.
    conversions: tuple[tuple[int, "Field[Any, Any]"], ...]
    prefix: str  # INSERT INTO ... VALUES
    placeholders: str  # one row's
    one_row: str


#: Fields whose Python value is already what the database driver takes (no conversion to skip).
_PLAIN_FIELDS = ("CharField", "TextField", "PositiveIntegerField", "PositiveSmallIntegerField")
#: Also plain where the database has native uuids and Django hands aware datetimes to the driver unchanged
#: (PostgreSQL: ``get_db_prep_save`` returns the very ``uuid.UUID`` and aware ``datetime`` :func:`_outbox_row`
#: builds). About a third of a request's publish was these calls.
_NATIVE_FIELDS = ("UUIDField", "DateTimeField")


@cache
def _insert_sql(alias: str) -> _Statement:
    """The INSERT for database ``alias``. The payload needs no conversion on any database: it is JSON text
    already."""
    from eventbus.models import OutboxEvent

    connection = connections[alias]
    quote = connection.ops.quote_name
    plain = _PLAIN_FIELDS + (_NATIVE_FIELDS if _has_native_uuid_and_datetime(connection) else ())
    fields = tuple(cast("Field[Any, Any]", OutboxEvent._meta.get_field(name)) for name in COLUMNS)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    prefix = f"INSERT INTO {quote(OutboxEvent._meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names only
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    conversions = tuple(
        (index, field)
        for index, field in enumerate(fields)
        if field.name != "payload" and field.get_internal_type() not in plain
    )
    return _Statement(fields, conversions, prefix, placeholders, prefix + placeholders)


def _has_native_uuid_and_datetime(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql" and connection.features.has_native_uuid_field and settings.USE_TZ)
