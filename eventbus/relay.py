"""The outbox relay: committed outbox rows to Kafka, in batches, acks=all, in order per key.

Several relays can run at once on PostgreSQL. The outbox is split into ``EVENTBUS_RELAY_SHARDS`` shards by
key; a relay sends only the rows of shards it holds a session advisory lock on, so a key is only ever sent
by one relay, in id order. Relays announce themselves with a member lock and each takes its fair share of
shards (rebalanced between batches). When a relay dies, PostgreSQL drops its locks with its session and the
others take its shards over. On SQLite there are no advisory locks: run a single relay.

A row is marked sent only after the broker acknowledged it; a crash in between resends it (at least once,
the consumers' ledger removes the duplicate). A failed batch is retried as a whole after a backoff, never
skipped, which keeps each key's order.
"""

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import F
from django.utils import timezone

from eventbus import metrics
from eventbus.kafka import kafka_topic, producer_config
from eventbus.models import OutboxEvent

logger = logging.getLogger(__name__)

#: Advisory lock namespaces (the first key of pg_try_advisory_lock(int, int)).
MEMBER_LOCKS = 0x0E7B_0001
SHARD_LOCKS = 0x0E7B_0002
MAX_MEMBERS = 64
MAX_BACKOFF_SECONDS = 30.0


class ShardLease:
    """The shards this relay may send. PostgreSQL: advisory locks on a dedicated session; otherwise all."""

    def __init__(self, shards: int) -> None:
        self.shards = shards
        self.owned: set[int] = set()
        self._conn: Any = None
        self._member: int | None = None

    @property
    def uses_locks(self) -> bool:
        return connections["default"].vendor == "postgresql"

    def refresh(self) -> set[int]:
        """Keep this relay's fair share of shards; call between batches, never with a batch in flight."""
        if not self.uses_locks:
            self.owned = set(range(self.shards))
            return self.owned
        try:
            self._refresh_locks()
        except Exception:
            logger.warning("relay lease session lost; reconnecting", exc_info=True)
            self.close()
        return self.owned

    def _refresh_locks(self) -> None:
        cursor = self._session().cursor()
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [MEMBER_LOCKS],
        )
        members = max(1, cursor.fetchone()[0])
        target = math.ceil(self.shards / members)
        for shard in sorted(self.owned)[target:]:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SHARD_LOCKS, shard])
            self.owned.discard(shard)
        start = (self._member or 0) * target
        for offset in range(self.shards):
            if len(self.owned) >= target:
                break
            shard = (start + offset) % self.shards
            if shard in self.owned:
                continue
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [SHARD_LOCKS, shard])
            if cursor.fetchone()[0]:
                self.owned.add(shard)

    def _session(self) -> Any:
        if self._conn is None:
            wrapper = connections["default"]
            self._conn = wrapper.get_new_connection(wrapper.get_connection_params())
            self._conn.autocommit = True
            self.owned = set()
            cursor = self._conn.cursor()
            for slot in range(MAX_MEMBERS):
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [MEMBER_LOCKS, slot])
                if cursor.fetchone()[0]:
                    self._member = slot
                    break
        self._conn.cursor().execute("SELECT 1")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken: nothing left to release
                self._conn.close()
        self._conn, self._member, self.owned = None, None, set()


@dataclass
class RelayStats:
    sent: int = 0
    batches: int = 0
    failures: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)


def _pending(shards: set[int], limit: int) -> list[OutboxEvent]:
    close_old_connections()
    if not shards:
        return []
    return list(OutboxEvent.objects.filter(sent_at__isnull=True, shard__in=shards).order_by("id")[:limit])


def _mark_sent(ids: list[int]) -> None:
    OutboxEvent.objects.filter(id__in=ids).update(sent_at=timezone.now())


def _mark_failed(ids: list[int], error: str) -> None:
    OutboxEvent.objects.filter(id__in=ids).update(attempts=F("attempts") + 1, last_error=error[:2000])


class Relay:
    def __init__(
        self,
        *,
        batch_size: int | None = None,
        idle_seconds: float = 0.2,
        on_batch: Callable[[RelayStats], None] | None = None,
    ) -> None:
        self.batch_size = batch_size or settings.EVENTBUS_RELAY_BATCH_SIZE
        self.idle_seconds = idle_seconds
        self.on_batch = on_batch
        self.lease = ShardLease(settings.EVENTBUS_RELAY_SHARDS)
        self.stats = RelayStats()
        self.stopping = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, *, until_empty: bool = False) -> RelayStats:
        """Relay until :meth:`stop` (or, with ``until_empty``, until no pending row is left)."""
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    sent = await self.relay_once()
                    failures = 0
                except (KafkaError, OSError) as error:
                    failures += 1
                    self.stats.failures += 1
                    metrics.RELAY_ERRORS.inc()
                    logger.warning("relay batch failed (%s); backing off", error)
                    await self._drop_producer()
                    await self._sleep(min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.8, 1))
                    continue
                if sent == 0:
                    if until_empty:
                        break
                    await self._sleep(self.idle_seconds)
        finally:
            await self._drop_producer()
            await sync_to_async(self.lease.close)()
        return self.stats

    async def relay_once(self) -> int:
        shards = await sync_to_async(self.lease.refresh)()
        rows = await sync_to_async(_pending)(shards, self.batch_size)
        if not rows:
            return 0
        try:
            await self._send(rows)
        except (KafkaError, OSError) as error:
            await sync_to_async(_mark_failed)([row.id for row in rows], repr(error))
            raise
        await sync_to_async(_mark_sent)([row.id for row in rows])
        self.stats.sent += len(rows)
        self.stats.batches += 1
        for row in rows:
            self.stats.by_topic[row.topic] = self.stats.by_topic.get(row.topic, 0) + 1
            metrics.EVENTS_RELAYED.labels(topic=row.topic).inc()
        if self.on_batch:
            self.on_batch(self.stats)
        return len(rows)

    async def _send(self, rows: list[OutboxEvent]) -> None:
        producer = await self._ensure_producer()
        deliveries = []
        for row in rows:
            key, value, headers = row.to_event().to_kafka()
            deliveries.append(await producer.send(kafka_topic(row.topic), value=value, key=key, headers=headers))
        outcomes = await asyncio.gather(*deliveries, return_exceptions=True)
        failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failed:
            raise failed[0]

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(**producer_config())
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except (KafkaError, OSError, TimeoutError):
                logger.debug("producer did not stop cleanly", exc_info=True)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
