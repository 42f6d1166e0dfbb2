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


class FakeProducer:
    """Acknowledges every record, except those whose ``size_bytes`` is in ``failing``."""

    def __init__(self, failing: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        self.failing = failing
        self.sent: list[bytes] = []

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> Any:
        self.sent.append(value)
        delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if json.loads(value)["size_bytes"] in self.failing:
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
