"""Handling one event for one consumer group: the ledger and dead-lettering.

Both transports go through here, so an event's effect happens once per group whichever way it arrives; when
to retry and when to give up is :mod:`eventbus.retry`'s one policy.
"""

import logging
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from eventbus import metrics
from eventbus.context import handling
from eventbus.envelope import Event
from eventbus.models import DeadLetter, ProcessedEvent
from eventbus.publishing import publish
from eventbus.schemas import validate_for_consume
from eventbus.subscriptions import handlers_for

if TYPE_CHECKING:
    from django.db.models import Field

logger = logging.getLogger(__name__)
DEAD_LETTER_TOPIC = "eventbus.dead_letter"


def handle(group: str, event: Event) -> bool:
    """Run ``group``'s handlers of ``event`` in one transaction with its ledger row.

    Returns ``False`` when the group had already handled the event (a duplicate delivery). The ledger row
    is inserted first, so a concurrent duplicate waits on the unique index instead of running the handler.
    Raises :class:`eventbus.schemas.InvalidPayload` for a payload that does not validate, and whatever a
    handler raises (after rolling its effects back).
    """
    validate_for_consume(event.topic, event.payload, event.schema_version)
    try:
        with transaction.atomic(), handling(event):
            ProcessedEvent.objects.create(group=group, event_id=event.id, topic=event.topic)
            for handler in handlers_for(group, event.topic):
                handler(event)
    except IntegrityError:
        if is_processed(group, event.id):
            metrics.EVENTS_DUPLICATE.labels(group=group, topic=event.topic).inc()
            return False
        raise
    metrics.EVENTS_HANDLED.labels(group=group, topic=event.topic).inc()
    return True


def handle_batch(group: str, events: list[Event]) -> tuple[int, int]:
    """Handle a batch in one transaction; returns (handled, duplicates).

    The fast path of the Kafka consumer: one statement claims the batch's ledger rows (``INSERT ... ON
    CONFLICT DO NOTHING RETURNING``: a concurrent duplicate waits on the unique index, then is skipped), the
    handlers run for the events claimed, one commit. Any failure (invalid payload, a handler raising) rolls the
    whole batch back and raises; the caller then handles the batch one event at a time, with retries and dead
    letters, so semantics are those of :func:`handle`.
    """
    for event in events:
        validate_for_consume(event.topic, event.payload, event.schema_version)
    with transaction.atomic():
        claimed = _claim(group, events)
        fresh: list[Event] = []
        for event in events:
            if event.id not in claimed:
                continue
            claimed.discard(event.id)  # a second copy in the same batch is a duplicate
            with handling(event):
                for handler in handlers_for(group, event.topic):
                    handler(event)
            fresh.append(event)
    for topic, count in Counter(event.topic for event in fresh).items():
        metrics.EVENTS_HANDLED.labels(group=group, topic=topic).inc(count)
    return len(fresh), len(events) - len(fresh)


def _claim(group: str, events: list[Event]) -> set[uuid.UUID]:
    """Insert the ledger rows this group does not have yet; the ids inserted."""
    connection = connections[router.db_for_write(ProcessedEvent)]
    unique = {event.id: event.topic for event in events}
    if connection.vendor == "postgresql":
        sql, params = _claim_postgresql(connection, group, unique)
    else:
        sql, params = _claim_multirow(connection, group, unique)
    event_id = cast("Field[Any, Any]", ProcessedEvent._meta.get_field("event_id"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {event_id.to_python(row[0]) for row in cursor.fetchall()}


def _ledger_insert(connection: Any) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("group", "event_id", "topic", "processed_at"))
    return f"INSERT INTO {quote(ProcessedEvent._meta.db_table)} ({columns}) "


def _ledger_on_conflict(connection: Any) -> str:
    quote = connection.ops.quote_name
    return f" ON CONFLICT ({quote('group')}, {quote('event_id')}) DO NOTHING RETURNING {quote('event_id')}"


def _claim_postgresql(connection: Any, group: str, topics: dict[uuid.UUID, str]) -> tuple[str, list[Any]]:
    """The whole batch as two array parameters: the statement's text is the same for every batch (the driver
    parses it once instead of scanning thousands of placeholders per batch)."""
    select = "SELECT %s, unnest(%s::uuid[]), unnest(%s::text[]), %s"
    sql = _ledger_insert(connection) + select + _ledger_on_conflict(connection)
    return sql, [group, list(topics), list(topics.values()), timezone.now()]


def _claim_multirow(connection: Any, group: str, topics: dict[uuid.UUID, str]) -> tuple[str, list[Any]]:
    """Other databases: one multi-row ``VALUES``, each value prepared as the ORM would."""
    meta = ProcessedEvent._meta
    event_id = cast("Field[Any, Any]", meta.get_field("event_id"))
    processed_at = cast("Field[Any, Any]", meta.get_field("processed_at"))
    now = processed_at.get_db_prep_save(timezone.now(), connection)
    params: list[Any] = []
    for id_, topic in topics.items():
        params += [group, event_id.get_db_prep_save(id_, connection), topic, now]
    values = "VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(topics))
    return _ledger_insert(connection) + values + _ledger_on_conflict(connection), params


def is_processed(group: str, event_id: uuid.UUID) -> bool:
    return ProcessedEvent.objects.filter(group=group, event_id=event_id).exists()


def is_dead(group: str, event_id: uuid.UUID) -> bool:
    return DeadLetter.objects.filter(group=group, event_id=event_id).exists()


def dead_letter_event(
    group: str,
    event: Event,
    *,
    error: str,
    attempts: int,
    partition: int | None = None,
    offset: int | None = None,
) -> DeadLetter:
    """Dead-letter a parsed event; the dead-letter announcement is caused by (and correlated with) it."""
    with handling(event):
        return dead_letter(
            group,
            event.to_json(),
            error=error,
            attempts=attempts,
            event_id=event.id,
            partition=partition,
            offset=offset,
        )


def dead_letter(
    group: str,
    envelope: dict[str, Any],
    *,
    error: str,
    attempts: int,
    event_id: uuid.UUID,
    partition: int | None = None,
    offset: int | None = None,
) -> DeadLetter:
    """Store the event for ``replay`` and announce it on the dead-letter topic (through the outbox)."""
    topic = str(envelope.get("topic", ""))
    with transaction.atomic():
        letter, created = DeadLetter.objects.get_or_create(
            group=group,
            event_id=event_id,
            defaults={
                "topic": topic,
                "key": str(envelope.get("key", "")),
                "envelope": envelope,
                "error": error,
                "attempts": attempts,
                "kafka_partition": partition,
                "kafka_offset": offset,
            },
        )
        if created and topic != DEAD_LETTER_TOPIC:
            publish(
                DEAD_LETTER_TOPIC,
                {
                    "group": group,
                    "original_topic": topic,
                    "original_event_id": str(event_id),
                    "attempts": attempts,
                    "error": error[:1000],
                },
            )
    logger.error("dead-lettered %s %s for group %s after %d attempts: %s", topic, event_id, group, attempts, error)
    metrics.EVENTS_DEAD_LETTERED.labels(group=group, topic=topic).inc()
    return letter
