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
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import psycopg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from eventbus import metrics
from eventbus.envelope import CONTENT_TYPE, SPEC_VERSION
from eventbus.kafka import kafka_topic, producer_config
from eventbus.maintenance import outbox_status
from eventbus.models import OutboxEvent

logger = logging.getLogger(__name__)

#: Advisory lock namespaces (the first key of pg_try_advisory_lock(int, int)).
MEMBER_LOCKS = 0x0E7B_0001
SHARD_LOCKS = 0x0E7B_0002
MAX_MEMBERS = 64
MAX_BACKOFF_SECONDS = 30.0
#: How long an idle relay waits before looking for new rows (latency vs. idle queries; ``--idle-seconds``).
IDLE_SECONDS = 0.05
GAUGE_SECONDS = 10.0
SPEC_VERSION_BYTES = SPEC_VERSION.encode()
CONTENT_TYPE_BYTES = CONTENT_TYPE.encode()
#: Batches sent back to back before the relay rereads the lease (lets other relays take their share).
BATCHES_PER_LEASE = 20
#: Keys whose partition the relay remembers (the cache is emptied when full and whenever the producer is dropped).
MAX_ROUTES = 100_000
_PARTITIONER = DefaultPartitioner()


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
            import psycopg  # PostgreSQL only

            # A session of its own, never a pooled one: its locks live as long as it does (ADR 0018).
            self._conn = psycopg.connect(**connections["default"].get_connection_params())
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


class Outgoing(NamedTuple):
    """An outbox row as the relay needs it: already encoded for the CloudEvents Kafka binary binding.

    A named tuple rather than a frozen dataclass: one is built per row in the relay's hottest loop, and a
    frozen dataclass's ``__init__`` costs several times more."""

    id: int
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


_COLUMNS = ("id", "topic", "key", "type", "source", "subject", "schema_version")

#: PostgreSQL renders what would otherwise be decoded into Python objects only to be turned back into text:
#: uuids as text, ``time`` exactly as ``datetime.isoformat()`` writes a UTC time (no fraction when it is zero),
#: the payload as its JSON text.
_PG_TEXT_COLUMNS = (
    "event_id::text",
    "correlation_id::text",
    "causation_id::text",
    "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', time) = time THEN '' ELSE to_char(time AT TIME ZONE 'UTC', '.US') END"
    " || '+00:00'",
    "payload::text",
)


def _pending(shards: set[int], limit: int, after: int = 0) -> list[Outgoing]:
    """The next rows of ``shards`` in id order, encoded for the broker."""
    close_old_connections()
    if not shards:
        return []
    only = sorted(shards) if len(shards) < settings.EVENTBUS_RELAY_SHARDS else None
    select = _select_postgresql if connections["default"].vendor == "postgresql" else _select_orm
    return [_outgoing(*row) for row in select(only, limit, after)]


def _select_postgresql(shards: list[int] | None, limit: int, after: int) -> list[tuple[Any, ...]]:
    """One plain query whose every column is text (or the id): no ORM compilation, no per-row converters, no
    uuid or datetime objects. On Django's connection (the test-suite's view of the relay's query); the relay
    itself runs the same text on its own connection (:class:`PostgresOutbox`)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(_pending_sql(shards is not None), _pending_params(shards, limit, after))
        return cursor.fetchall()


@cache
def _pending_sql(by_shard: bool) -> str:
    connection = connections["default"]
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    columns = ", ".join([*(connection.ops.quote_name(name) for name in _COLUMNS), *_PG_TEXT_COLUMNS])
    where = "sent_at IS NULL AND id > %s" + (" AND shard = ANY(%s)" if by_shard else "")
    return f"SELECT {columns} FROM {table} WHERE {where} ORDER BY id LIMIT %s"  # noqa: S608 - names only


def _pending_params(shards: list[int] | None, limit: int, after: int) -> list[Any]:
    return [after, *([shards] if shards is not None else []), limit]


@cache
def _mark_sent_sql() -> str:
    table = connections["default"].ops.quote_name(OutboxEvent._meta.db_table)
    return f"UPDATE {table} SET sent_at = %s WHERE id = ANY(%s)"  # noqa: S608 - names only


class PostgresOutbox:
    """The relay's two PostgreSQL sessions of its own, driven from the event loop: one reads pending rows,
    the other marks acknowledged batches sent (ADR 0024).

    Two sessions let the next batch's SELECT run while the previous batch's UPDATE does; being asynchronous,
    neither hops to a thread nor waits for the interpreter lock behind the producer, so the database's work
    overlaps the relay's Python work instead of adding to it. Autocommit: each statement is its own
    transaction, as on Django's connection before. Closed (and reopened on the next batch) after any error.
    """

    def __init__(self) -> None:
        self._reader: Any = None
        self._marker: Any = None

    async def _connect(self) -> Any:
        params = connections["default"].get_connection_params()
        # Django's sync cursor class cannot serve an async connection; the client-side binding is the same.
        params["cursor_factory"] = psycopg.AsyncClientCursor
        return await psycopg.AsyncConnection.connect(**params, autocommit=True)

    async def pending(self, shards: set[int], limit: int, after: int) -> list[Outgoing]:
        if self._reader is None:
            self._reader = await self._connect()
        only = sorted(shards) if len(shards) < settings.EVENTBUS_RELAY_SHARDS else None
        cursor = await self._reader.execute(_pending_sql(only is not None), _pending_params(only, limit, after))
        return [_outgoing(*row) for row in await cursor.fetchall()]

    async def mark_sent(self, ids: list[int]) -> None:
        if self._marker is None:
            self._marker = await self._connect()
        await self._marker.execute(_mark_sent_sql(), [timezone.now(), ids])

    async def close(self) -> None:
        sessions, self._reader, self._marker = (self._reader, self._marker), None, None
        for session in sessions:
            if session is not None:
                with contextlib.suppress(Exception):  # already broken: nothing left to release
                    await session.close()


def _select_orm(shards: list[int] | None, limit: int, after: int) -> list[tuple[Any, ...]]:
    """Other databases (a single relay on SQLite): the same columns, rendered as text in Python."""
    pending = OutboxEvent.objects.filter(sent_at__isnull=True, id__gt=after)
    if shards is not None:
        pending = pending.filter(shard__in=shards)
    rows = pending.order_by("id").annotate(payload_text=Cast("payload", TextField()))
    return [
        (*row, str(event_id), str(correlation_id), str(causation_id) if causation_id else None, time.isoformat(), text)
        for *row, event_id, correlation_id, causation_id, time, text in rows.values_list(
            *_COLUMNS, "event_id", "correlation_id", "causation_id", "time", "payload_text"
        )[:limit]
    ]


def _outgoing(
    id: int,
    topic: str,
    key: str,
    type: str,
    source: str,
    subject: str,
    schema_version: str,
    event_id: str,
    correlation_id: str,
    causation_id: str | None,
    time: str,
    payload_text: str,
) -> Outgoing:
    headers = [
        ("ce_id", event_id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", type.encode()),
        ("ce_subject", subject.encode()),
        ("ce_time", time.encode()),
        ("ce_specversion", SPEC_VERSION_BYTES),
        ("content-type", CONTENT_TYPE_BYTES),
        ("ce_correlationid", correlation_id.encode()),
        ("ce_schemaversion", schema_version.encode()),
    ]
    if causation_id:
        headers.append(("ce_causationid", causation_id.encode()))
    return Outgoing(id, topic, key.encode(), payload_text.encode(), headers)


def _mark_sent(ids: list[int]) -> None:
    connection = connections["default"]
    if connection.vendor != "postgresql":
        OutboxEvent.objects.filter(id__in=ids).update(sent_at=timezone.now())
        return
    # One array parameter instead of a thousand: the relay marks a batch per round trip.
    with connection.cursor() as cursor:
        cursor.execute(_mark_sent_sql(), [timezone.now(), ids])


def _gauges() -> None:
    close_old_connections()  # Django's connection serves only these gauges and failures on PostgreSQL
    outbox_status()


def _mark_failed(ids: list[int], error: str) -> None:
    OutboxEvent.objects.filter(id__in=ids).update(attempts=F("attempts") + 1, last_error=error[:2000])


class DjangoOutbox:
    """Other databases (a single relay on SQLite): the same reads and writes on Django's connection, in the
    thread Django's async adapters keep for it."""

    async def pending(self, shards: set[int], limit: int, after: int) -> list[Outgoing]:
        return await sync_to_async(_pending)(shards, limit, after)

    async def mark_sent(self, ids: list[int]) -> None:
        await sync_to_async(_mark_sent)(ids)

    async def close(self) -> None:
        await sync_to_async(close_old_connections)()


class Relay:
    def __init__(
        self,
        *,
        batch_size: int | None = None,
        idle_seconds: float | None = None,
        on_batch: Callable[[RelayStats], None] | None = None,
        pipeline: int | None = None,
    ) -> None:
        self.pipeline = max(1, pipeline or settings.EVENTBUS_RELAY_PIPELINE)
        self.batch_size = batch_size or settings.EVENTBUS_RELAY_BATCH_SIZE
        self.idle_seconds = idle_seconds if idle_seconds is not None else IDLE_SECONDS
        self.on_batch = on_batch
        self.lease = ShardLease(settings.EVENTBUS_RELAY_SHARDS)
        self.stats = RelayStats()
        self.stopping = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._partitions: dict[str, list[int]] = {}
        self._routes: dict[tuple[str, bytes], tuple[str, int]] = {}
        self._failed = False
        self.outbox: PostgresOutbox | DjangoOutbox = (
            PostgresOutbox() if connections["default"].vendor == "postgresql" else DjangoOutbox()
        )

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, *, until_empty: bool = False) -> RelayStats:
        """Relay until :meth:`stop` (or, with ``until_empty``, until no pending row is left)."""
        failures = 0
        try:
            next_gauges = 0.0
            while not self.stopping.is_set():
                if time.monotonic() >= next_gauges:  # outbox backlog gauges for /metrics, every few seconds
                    next_gauges = time.monotonic() + GAUGE_SECONDS
                    await sync_to_async(_gauges)()
                try:
                    sent = await self.relay_once()
                    failures = 0
                except (KafkaError, OSError, psycopg.OperationalError) as error:
                    failures += 1
                    self.stats.failures += 1
                    metrics.RELAY_ERRORS.inc()
                    logger.warning("relay batch failed (%s); backing off", error)
                    await self._drop_producer()
                    await self.outbox.close()
                    await self._sleep(min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.8, 1))
                    continue
                if sent == 0:
                    if until_empty:
                        break
                    await self._sleep(self.idle_seconds)
        finally:
            await self._drop_producer()
            await self.outbox.close()
            await sync_to_async(self.lease.close)()
        return self.stats

    async def relay_once(self) -> int:
        """Send the pending rows of this relay's shards, batch after batch; returns how many were marked sent.

        The reader runs ahead: the next batch is read while this one is handed to the producer, while
        earlier batches are acknowledged and marked sent by a chain of tasks, one per batch, each waiting for
        its batch's acknowledgements and then for the batch before it (UPDATEs run one at a time, in batch
        order). At most ``pipeline`` batches are unsettled (sent or being marked) at once; the producer keeps
        each partition's order across them. A batch is marked sent only once all of its records are
        acknowledged, and never after a batch before it failed; after a failure no further batch is sent.
        The lease is refreshed only here, with nothing in flight.
        """
        shards = await sync_to_async(self.lease.refresh)()
        before, after = self.stats.sent, 0
        settling: deque[asyncio.Task[None]] = deque()
        self._failed = False
        self._partitions.clear()  # partitions may have grown: looked up again once per lease
        self._routes.clear()
        reading: asyncio.Task[list[Outgoing]] | None = None
        if shards:
            reading = asyncio.create_task(self.outbox.pending(shards, self.batch_size, after))
        try:
            for batch in range(BATCHES_PER_LEASE):
                if reading is None:
                    break
                rows, reading = await reading, None
                if not rows or self._failed:
                    break
                after = rows[-1].id
                if batch + 1 < BATCHES_PER_LEASE:  # the next read runs while this batch is handed over
                    reading = asyncio.create_task(self.outbox.pending(shards, self.batch_size, after))
                delivery = await self._enqueue(rows)
                previous = settling[-1] if settling else None
                settling.append(asyncio.create_task(self._settle(rows, delivery, previous=previous)))
                while len(settling) >= self.pipeline:
                    await settling[0]
                    settling.popleft()
            while settling:
                await settling[0]
                settling.popleft()
        finally:
            # After a failure, wait for what is still in flight; rows not marked stay pending and are resent.
            await asyncio.gather(*settling, *([reading] if reading else []), return_exceptions=True)
        return self.stats.sent - before

    async def _enqueue(self, rows: list[Outgoing]) -> "asyncio.Future[list[Any]]":
        """Hand ``rows`` to the producer as one record batch per partition (``create_batch``/``send_batch``):
        one delivery future per partition instead of one per record, and each key's partition looked up once
        (the producer's own partitioner, murmur2 over the key, so a key lands where ``send()`` would put it).
        Records keep their order within each partition's batch; the producer sends a partition's batches in
        the order they were handed over."""
        producer = await self._ensure_producer()
        routes = self._routes
        batches: dict[tuple[str, int], Any] = {}
        deliveries = []
        for row in rows:
            route = routes.get((row.topic, row.key))
            if route is None:
                route = await self._route(producer, row.topic, row.key)
            batch = batches.get(route)
            if batch is None:
                batch = batches[route] = producer.create_batch()
            if batch.append(key=row.key, value=row.value, timestamp=None, headers=row.headers) is None:
                # Full: send it and start the partition's next one.
                batch.close()
                deliveries.append(await producer.send_batch(batch, route[0], partition=route[1]))
                batch = batches[route] = producer.create_batch()
                if batch.append(key=row.key, value=row.value, timestamp=None, headers=row.headers) is None:
                    raise MessageSizeTooLargeError(f"outbox row {row.id} does not fit in a record batch")
        for (topic, partition), batch in batches.items():
            batch.close()
            deliveries.append(await producer.send_batch(batch, topic, partition=partition))
        return asyncio.gather(*deliveries, return_exceptions=True)

    async def _route(self, producer: Any, topic: str, key: bytes) -> tuple[str, int]:
        name = kafka_topic(topic)
        partitions = self._partitions.get(name)
        if partitions is None:
            partitions = self._partitions[name] = sorted(await producer.partitions_for(name))
        if len(self._routes) >= MAX_ROUTES:
            self._routes.clear()
        route = self._routes[(topic, key)] = (name, _PARTITIONER(key, partitions, partitions))
        return route

    async def _settle(
        self, rows: list[Outgoing], delivery: "asyncio.Future[list[Any]]", *, previous: "asyncio.Task[None] | None"
    ) -> None:
        """Wait for ``rows``' acknowledgements, then for the previous batch to be settled, then mark ``rows``
        sent (or, if one record failed, record the failure on them and raise)."""
        outcomes = await delivery
        try:
            if previous is not None:
                await previous  # raises when an earlier batch failed: this one then stays pending, untouched
            failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
            if failed:
                await sync_to_async(_mark_failed)([row.id for row in rows], repr(failed[0]))
                raise failed[0]
        except BaseException:
            self._failed = True
            raise
        await self._mark_sent(rows)

    async def _mark_sent(self, rows: list[Outgoing]) -> None:
        await self.outbox.mark_sent([row.id for row in rows])
        self.stats.sent += len(rows)
        self.stats.batches += 1
        for topic, count in Counter(row.topic for row in rows).items():
            self.stats.by_topic[topic] = self.stats.by_topic.get(topic, 0) + count
            metrics.EVENTS_RELAYED.labels(topic=topic).inc(count)
        if self.on_batch:
            self.on_batch(self.stats)

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
        self._partitions.clear()
        self._routes.clear()
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except (KafkaError, OSError, TimeoutError):
                logger.debug("producer did not stop cleanly", exc_info=True)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
