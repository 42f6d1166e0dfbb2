"""Replaying a topic to one group: from Kafka by time or offset, or from the retained outbox rows.

The replay reads with its own group-less consumer and calls the group's handlers here, through the ledger,
so it never moves the group's committed offsets. ``force`` forgets the ledger rows of the replayed events
first, for handlers whose effect must be redone (rebuilding a read model).
"""

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from eventbus.delivery import handle
from eventbus.envelope import Event, MalformedEvent
from eventbus.kafka import connection_options, kafka_topic
from eventbus.models import OutboxEvent, ProcessedEvent

QUIET_SECONDS = 1.5


@dataclass
class ReplayStats:
    read: int = 0
    handled: int = 0
    skipped: int = 0
    unreadable: int = 0


def _handle(group: str, event: Event, force: bool) -> bool:
    if force:
        ProcessedEvent.objects.filter(group=group, event_id=event.id).delete()
    return handle(group, event)


async def replay(
    group: str,
    events: AsyncIterator[Event | None],
    *,
    force: bool = False,
    on_event: Callable[[ReplayStats], None] | None = None,
) -> ReplayStats:
    stats = ReplayStats()
    async for event in events:
        stats.read += 1
        if event is None:
            stats.unreadable += 1
            continue
        if await sync_to_async(_handle)(group, event, force):
            stats.handled += 1
        else:
            stats.skipped += 1
        if on_event:
            on_event(stats)
    await sync_to_async(close_old_connections)()
    return stats


async def from_kafka(
    topic: str, *, since: datetime | None = None, from_offset: int | None = None, partition: int | None = None
) -> AsyncIterator[Event | None]:
    """Records from ``since`` (or ``from_offset``) up to the end of each partition."""
    consumer = AIOKafkaConsumer(
        **connection_options(),
        enable_auto_commit=False,
        fetch_max_wait_ms=settings.KAFKA_FETCH_MAX_WAIT_MS,
    )
    await consumer.start()
    try:
        name = kafka_topic(topic)
        await consumer.topics()  # loads the cluster metadata
        partitions = [
            TopicPartition(name, p)
            for p in sorted(consumer.partitions_for_topic(name) or ())
            if partition is None or p == partition
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        if since is not None:
            found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            starts = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
        else:
            starts = {tp: from_offset or 0 for tp in partitions}
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        # Read to the end offsets seen at the start, then until the partitions stay quiet for a moment: some
        # Kafka-compatible brokers report a high watermark short of the last batch.
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < QUIET_SECONDS or await _behind(consumer, ends):
            batches = await consumer.getmany(*partitions, timeout_ms=500)
            if batches:
                quiet_since = time.monotonic()
            for records in batches.values():
                for record in records:
                    try:
                        yield Event.from_kafka(topic, record.key, record.value, record.headers)
                    except MalformedEvent:
                        yield None
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def replay_outbox(
    group: str,
    topic: str,
    *,
    since: datetime,
    force: bool = False,
    on_event: Callable[[ReplayStats], None] | None = None,
) -> ReplayStats:
    """Replay the events still in the outbox (sent rows are kept for EVENTBUS_SENT_RETENTION_DAYS)."""
    stats = ReplayStats()
    after = 0
    while rows := list(OutboxEvent.objects.filter(topic=topic, time__gte=since, id__gt=after).order_by("id")[:500]):
        for row in rows:
            stats.read += 1
            if _handle(group, row.to_event(), force):
                stats.handled += 1
            else:
                stats.skipped += 1
            if on_event:
                on_event(stats)
        after = rows[-1].id
    return stats
