"""``consume_events``: one consumer group reading its topics from Kafka.

Per fetched batch (all its partitions): validate, run the group's handlers in one DB transaction with the
batch's ledger rows (a thread, through ``sync_to_async``). If anything in the batch fails, the batch is rolled
back and retried partition by partition, then one record at a time, each in its own transaction with its
ledger row: retried and dead-lettered by the bus's one policy (:mod:`eventbus.retry`; immediately for a record
that is not a valid event). Offsets are committed manually after the records' transactions, so a crash redelivers at
most the uncommitted tail, and the ledger skips what was already handled. DB connections are recycled per
batch. ``stop()`` (SIGTERM) finishes the current record, commits and leaves the group.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from eventbus import metrics
from eventbus.delivery import dead_letter, dead_letter_event, handle, handle_batch
from eventbus.envelope import Event, MalformedEvent
from eventbus.kafka import consumer_config, kafka_topic, registry_topic
from eventbus.retry import after_failure, describe_error
from eventbus.subscriptions import topics_for

logger = logging.getLogger(__name__)


@dataclass
class ConsumerStats:
    received: int = 0
    handled: int = 0
    duplicates: int = 0
    retries: int = 0
    dead_lettered: int = 0
    commits: int = 0


class GroupConsumer:
    def __init__(
        self,
        group: str,
        *,
        topics: list[str] | None = None,
        on_batch: Callable[[ConsumerStats], None] | None = None,
    ) -> None:
        self.group = group
        self.topics = topics if topics is not None else topics_for(group)
        if not self.topics:
            raise ValueError(f"group {group!r} subscribes to no topic (is its handlers module installed?)")
        self.on_batch = on_batch
        self.stats = ConsumerStats()
        self.stopping = asyncio.Event()
        self.assigned = asyncio.Event()
        self._positions: dict[TopicPartition, int] = {}

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, *, idle_timeout: float | None = None) -> ConsumerStats:
        """Consume until :meth:`stop`, or until nothing arrived for ``idle_timeout`` seconds."""
        consumer = AIOKafkaConsumer(*[kafka_topic(t) for t in self.topics], **consumer_config(self.group))
        await consumer.start()
        idle = 0.0
        try:
            while not self.stopping.is_set():
                batches = await consumer.getmany(timeout_ms=500)
                if consumer.assignment():
                    self.assigned.set()
                if not batches:
                    idle += 0.5
                    if idle_timeout is not None and idle >= idle_timeout:
                        break
                    continue
                idle = 0.0
                await self._process(consumer, batches)
        finally:
            await consumer.stop()  # leaves the group so a rebalance hands the partitions on at once
        return self.stats

    async def _process(self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        offsets: dict[TopicPartition, int] = {}
        try:
            # Every partition's records in one transaction (one commit instead of one per partition); if that
            # fails, partition by partition, then record by record.
            if len(batches) > 1 and await self._deliver_batch([r for records in batches.values() for r in records]):
                offsets = {partition: records[-1].offset + 1 for partition, records in batches.items()}
                return
            for partition, records in batches.items():
                if await self._deliver_batch(records):
                    offsets[partition] = records[-1].offset + 1
                    continue
                for record in records:
                    if self.stopping.is_set() or not await self._deliver(record):
                        return
                    offsets[partition] = record.offset + 1
        finally:
            await self._commit(consumer, offsets)
            self._positions.update(offsets)
            await sync_to_async(close_old_connections)()
            self._update_lag(consumer)
            if self.on_batch:
                self.on_batch(self.stats)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
            self.stats.commits += 1
        except (CommitFailedError, KafkaError) as error:
            # The partitions moved to another member: it resumes from the last commit and the ledger
            # skips what this one already handled.
            logger.warning("offset commit failed for %s: %s", self.group, error)

    async def _deliver_batch(self, records: list[ConsumerRecord]) -> bool:
        """The fast path: ``records`` (in partition order) in one transaction. ``False``: go one by one instead."""
        if len(records) < 2:
            return False
        try:
            events = [Event.from_kafka(registry_topic(r.topic), r.key, r.value, r.headers) for r in records]
        except MalformedEvent:
            return False
        try:
            handled, duplicates = await sync_to_async(handle_batch)(self.group, events)
        except Exception:  # any failure: the one-by-one path retries and dead-letters
            logger.debug("batch of %d failed for %s; handling one by one", len(records), self.group, exc_info=True)
            return False
        self.stats.received += len(records)
        self.stats.handled += handled
        self.stats.duplicates += duplicates
        return True

    async def _deliver(self, record: ConsumerRecord) -> bool:
        """Handle or dead-letter ``record``; ``False`` if stopped while waiting to retry (left uncommitted)."""
        self.stats.received += 1
        topic = registry_topic(record.topic)
        try:
            event = Event.from_kafka(topic, record.key, record.value, record.headers)
        except MalformedEvent as error:
            await self._dead_letter_raw(record, topic, describe_error(error))
            return True
        attempt = 0
        while True:
            attempt += 1
            try:
                if await sync_to_async(handle)(self.group, event):
                    self.stats.handled += 1
                else:
                    self.stats.duplicates += 1
                return True
            except Exception as error:  # noqa: BLE001 - the consumer's boundary: the retry policy judges it
                verdict = after_failure(group=self.group, topic=topic, error=error, attempt=attempt)
                if verdict.retry_after is None:
                    await self._dead_letter(record, event, verdict.error, attempt)
                    return True
                self.stats.retries += 1
                try:
                    await asyncio.wait_for(self.stopping.wait(), verdict.retry_after.total_seconds())
                except TimeoutError:
                    continue
                return False

    async def _dead_letter(self, record: ConsumerRecord, event: Event, error: str, attempts: int) -> None:
        await sync_to_async(dead_letter_event)(
            self.group, event, error=error, attempts=attempts, partition=record.partition, offset=record.offset
        )
        self.stats.dead_lettered += 1

    async def _dead_letter_raw(self, record: ConsumerRecord, topic: str, error: str) -> None:
        """A record that is not an event of ours: keep its bytes (as text) and where it was."""
        event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"kafka:{record.topic}/{record.partition}/{record.offset}")
        envelope = {
            "topic": topic,
            "key": (record.key or b"").decode(errors="replace"),
            "raw_value": (record.value or b"").decode(errors="replace")[:10000],
            "raw_headers": {name: raw.decode(errors="replace") for name, raw in record.headers or ()},
        }
        await sync_to_async(dead_letter)(
            self.group,
            envelope,
            error=error,
            attempts=1,
            event_id=event_id,
            partition=record.partition,
            offset=record.offset,
        )
        self.stats.dead_lettered += 1

    def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        for partition in consumer.assignment():
            end = consumer.highwater(partition)
            position = self._positions.get(partition)
            if end is None or position is None:
                continue
            metrics.CONSUMER_LAG.labels(group=self.group, topic=partition.topic, partition=partition.partition).set(
                max(0, end - position)
            )
