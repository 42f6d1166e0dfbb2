"""Faults: a relay killed mid-batch, two relays at once, the broker killed during a burst.

The broker-down test runs its own broker (tansu with S3 storage, which survives a restart) on a free port,
so the shared broker is never touched. The acceptance burst is 10,000 events (``bench/eventbus`` and
``EVENTBUS_FAULT_BURST=10000``); the default here is 2,000 to keep the suite short on two cores.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from eventbus import Event, publish
from eventbus.consumer import GroupConsumer
from eventbus.kafka import TopicAdmin
from eventbus.models import DeadLetter, OutboxEvent, ProcessedEvent
from eventbus.registry import TOPICS
from eventbus.relay import SHARD_LOCKS
from tests.integration.eventbus.conftest import KafkaBus, Recorder, tansu_binary, uploaded
from tests.integration.eventbus.test_end_to_end import assert_order_per_key

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BURST = int(os.environ.get("EVENTBUS_FAULT_BURST", "2000"))
#: Enough rows that a relay (several thousand rows a second) is still sending when the test kills it.
KILL_EVENTS = 12000


def publish_range(start: int, stop: int, keys: int) -> None:
    for first in range(start, stop, 100):
        with transaction.atomic():
            for seq in range(first, min(first + 100, stop)):
                publish("document.uploaded", uploaded(seq % keys, seq))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def sent() -> int:
    return OutboxEvent.objects.filter(sent_at__isnull=False).count()


def pending() -> int:
    return OutboxEvent.objects.filter(sent_at__isnull=True).count()


def stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode()
    return output.decode()


def test_a_relay_killed_mid_batch_loses_nothing_and_keeps_order_per_key(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    publish_range(0, KILL_EVENTS, keys=10)
    first = kafka_bus.start_relay("--batch-size", "50")
    wait_for(lambda: sent() >= 500, 60, "the first relay to send 500")
    first.kill()
    first.wait()
    assert pending() > 0

    second = kafka_bus.start_relay("--batch-size", "50", "--until-empty")
    second.communicate(timeout=120)
    stats = kafka_bus.consume("it-documents", lambda: len(set(seen.ids)) >= KILL_EVENTS, timeout=90)

    assert pending() == 0
    assert len(set(seen.ids)) == KILL_EVENTS
    assert stats.received - stats.duplicates == KILL_EVENTS
    # At most the batches in flight when the relay died (EVENTBUS_RELAY_PIPELINE of them, 50 rows each).
    assert stats.duplicates <= 50 * settings.EVENTBUS_RELAY_PIPELINE
    assert ProcessedEvent.objects.filter(group="it-documents").count() == KILL_EVENTS
    assert_order_per_key(seen.events)


def test_two_relays_share_the_shards_without_double_sending(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    relays = [kafka_bus.start_relay("--batch-size", "50") for _ in range(2)]
    # Both relays split the shards first: a relay empties 3,000 rows in well under a second, faster than a
    # second process starts, so publishing earlier would leave the second relay nothing to do.
    wait_for(lambda: relays_holding_shards() == 2, 60, "both relays to hold a share of the shards")
    publish_range(0, 3000, keys=20)
    wait_for(lambda: pending() == 0, 120, "the relays to empty the outbox")
    outputs = [stop(relay) for relay in relays]

    stats = kafka_bus.consume("it-documents", lambda: len(set(seen.ids)) >= 3000, timeout=90)

    assert (stats.received, stats.duplicates) == (3000, 0)
    assert all("sent 0 events" not in output for output in outputs), outputs
    assert_order_per_key(seen.events)


def relays_holding_shards() -> int:
    """How many relay sessions hold shard locks (PostgreSQL advisory locks) right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND granted",
            [SHARD_LOCKS],
        )
        return int(cursor.fetchone()[0])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnBroker:
    """A broker of this test's own, on S3 storage so that its data survives a restart."""

    def __init__(self, binary: str, bucket: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.argv = [
            binary,
            "broker",
            "--listener-url",
            self.url,
            "--advertised-listener-url",
            self.url,
            "--storage-engine",
            f"s3://{bucket}/",
        ]
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("own broker did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_broker(s3_endpoint: str, kafka_settings: str, settings: Any, transactional_db: Any) -> Iterator[OwnBroker]:
    binary = tansu_binary()
    if not binary:
        pytest.skip("tansu is not installed")
    import boto3

    access, secret = os.environ.get("S3_ACCESS_KEY_ID", ""), os.environ.get("S3_SECRET_ACCESS_KEY", "")
    bucket = f"tansu-it-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id=access, aws_secret_access_key=secret, region_name="us-east-1"
    ).create_bucket(Bucket=bucket)
    env = {
        **os.environ,
        "AWS_ENDPOINT": s3_endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": access,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    broker = OwnBroker(binary, bucket, env)
    broker.start()
    settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    yield broker
    broker.kill()


async def _create_topics() -> None:
    async with TopicAdmin() as admin:
        await admin.create(list(TOPICS))


def test_the_broker_down_during_a_burst_loses_nothing(own_broker: OwnBroker, kafka_settings: str) -> None:
    asyncio.run(_create_topics())
    bus = KafkaBus(prefix=kafka_settings, bootstrap=own_broker.bootstrap)
    seen = Recorder()
    bus.subscribe("document.uploaded", "it-documents", seen)
    try:
        publish_range(0, BURST // 4, keys=10)
        relay = bus.start_relay("--batch-size", "100", KAFKA_REQUEST_TIMEOUT_MS="3000")
        wait_for(lambda: sent() >= BURST // 8, 60, "the relay to start sending")
        own_broker.kill()
        publish_range(BURST // 4, BURST, keys=10)  # the burst goes on while the broker is down
        time.sleep(2)
        assert pending() > 0
        own_broker.start()
        wait_for(lambda: pending() == 0, 120, "the relay to catch up after the broker came back")
        summary = stop(relay)

        bus.consume("it-documents", lambda: len(set(seen.ids)) >= BURST, timeout=120)
    finally:
        for topic, group, handler in bus.registered:
            from eventbus.subscriptions import unsubscribe

            unsubscribe(topic, group=group, handler=handler)

    assert len(set(seen.ids)) == BURST
    assert ProcessedEvent.objects.filter(group="it-documents").count() == BURST
    assert not DeadLetter.objects.exists()
    assert "relay stopped: sent" in summary  # SIGTERM: a graceful stop with its summary
    assert_order_per_key(seen.events)


class Crash(BaseException):
    """Stands for the process dying: not an ``Exception``, so no retry or dead letter catches it."""


def test_a_consumer_dying_mid_batch_loses_nothing_and_duplicates_no_effect(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    crashed = {"done": False}

    def handler(event: Event) -> None:
        if len(seen.ids) == 250 and not crashed["done"]:
            crashed["done"] = True
            raise Crash  # mid-batch: its transaction rolls back, its offsets are never committed
        seen(event)

    kafka_bus.subscribe("document.uploaded", "it-documents", handler)
    publish_range(0, 600, keys=6)
    kafka_bus.relay()

    with pytest.raises(Crash):
        asyncio.run(GroupConsumer("it-documents").run())
    committed_before_the_crash = ProcessedEvent.objects.count()
    stats = kafka_bus.consume("it-documents", lambda: ProcessedEvent.objects.count() >= 600, timeout=60)

    assert crashed["done"]
    assert ProcessedEvent.objects.filter(group="it-documents").count() == 600
    assert committed_before_the_crash < 600
    assert stats.handled == 600 - committed_before_the_crash  # what the first run committed is not redone
    assert_order_per_key(seen.events)
