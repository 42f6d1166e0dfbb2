"""The relay marks a batch sent only once the broker acknowledged all of it, in batch order, and never a batch
after one that failed (a fake producer stands in for the broker; the outbox is the real table)."""

import asyncio
import json
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError

from eventbus import publish_many
from eventbus.models import OutboxEvent
from eventbus.relay import Relay
from tests.unit.eventbus.conftest import UPLOADED

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _kafka_transport(settings: Any) -> None:
    settings.EVENTBUS_TRANSPORT = "kafka"  # rows stay pending for the relay (no in-process delivery)


class FakeBatch:
    def __init__(self) -> None:
        self.values: list[bytes] = []
        self.closed = False

    def append(self, *, key: bytes, value: bytes, timestamp: None, headers: list[tuple[str, bytes]]) -> Any:
        assert not self.closed
        self.values.append(value)
        return object()

    def close(self) -> None:
        self.closed = True


class FakeProducer:
    """Acknowledges every record batch, except those holding a record whose ``size_bytes`` is in ``failing``."""

    def __init__(self, failing: set[int] = frozenset(), partitions: int = 3) -> None:  # type: ignore[assignment]
        self.failing = failing
        self.partitions = partitions
        self.sent: list[bytes] = []
        self.batches: list[tuple[str, int, list[bytes]]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def create_batch(self) -> FakeBatch:
        return FakeBatch()

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        assert batch.closed
        self.sent += batch.values
        self.batches.append((topic, partition, batch.values))
        delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if any(json.loads(value)["size_bytes"] in self.failing for value in batch.values):
            delivery.set_exception(KafkaTimeoutError())
        else:
            delivery.set_result(None)
        return delivery

    async def stop(self) -> None:
        return None


def relay_with(producer: FakeProducer, *, batch_size: int) -> Relay:
    relay = Relay(batch_size=batch_size, pipeline=2)

    async def ensure() -> FakeProducer:
        return producer

    relay._ensure_producer = ensure  # type: ignore[method-assign]
    return relay


def publish_rows(count: int) -> None:
    publish_many("document.uploaded", [{**UPLOADED, "size_bytes": seq} for seq in range(count)])


def test_every_acknowledged_batch_is_marked_sent() -> None:
    publish_rows(25)
    relay = relay_with(FakeProducer(), batch_size=10)

    sent = asyncio.run(relay.relay_once())

    assert sent == 25
    assert (relay.stats.batches, OutboxEvent.objects.filter(sent_at__isnull=True).count()) == (3, 0)


def test_a_failed_batch_and_every_batch_after_it_stay_pending_while_the_ones_before_are_marked() -> None:
    publish_rows(30)
    relay = relay_with(FakeProducer(failing={15}), batch_size=10)  # the second batch fails

    with pytest.raises(KafkaTimeoutError):
        asyncio.run(relay.relay_once())

    pending = list(OutboxEvent.objects.filter(sent_at__isnull=True).order_by("id").values_list("payload", "attempts"))
    assert [payload["size_bytes"] for payload, _ in pending] == list(range(10, 30))
    assert [attempts for _, attempts in pending] == [1] * 10 + [0] * 10
    assert relay.stats.sent == 10


def test_records_go_in_one_batch_per_partition_each_key_where_the_producers_partitioner_puts_it_in_order() -> None:
    from aiokafka.partitioner import DefaultPartitioner

    publish_many("document.uploaded", [{**UPLOADED, "document_id": seq % 7, "size_bytes": seq} for seq in range(40)])
    producer = FakeProducer(partitions=3)
    relay = relay_with(producer, batch_size=20)

    assert asyncio.run(relay.relay_once()) == 40

    assert len(producer.batches) <= 2 * 3  # two relay batches, at most one record batch per partition each
    seen: dict[int, list[int]] = {}
    for _, partition, values in producer.batches:
        for value in values:
            body = json.loads(value)
            key = str(body["document_id"]).encode()
            assert partition == DefaultPartitioner()(key, [0, 1, 2], [0, 1, 2])
            seen.setdefault(body["document_id"], []).append(body["size_bytes"])
    assert seen == {key: list(range(key, 40, 7)) for key in range(7)}
