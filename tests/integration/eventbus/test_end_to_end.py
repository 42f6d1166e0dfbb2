"""Publish -> outbox -> relay -> broker -> consumer group, on PostgreSQL and the Kafka-compatible broker."""

import asyncio
import json
from collections import defaultdict
from io import StringIO
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from django.core.management import CommandError, call_command
from django.db import transaction

from eventbus import Event, publish
from eventbus.models import DeadLetter, OutboxEvent, ProcessedEvent
from eventbus.registry import TOPICS
from tests.integration.eventbus.conftest import KafkaBus, Recorder, uploaded

pytestmark = pytest.mark.integration


def _publish_burst(count: int, keys: int) -> list[Any]:
    ids = []
    for start in range(0, count, 100):
        with transaction.atomic():
            ids += [publish("document.uploaded", uploaded(seq % keys, seq)) for seq in range(start, start + 100)]
    return ids


def assert_order_per_key(events: list[Event]) -> None:
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen_ids = set()
    for event in events:
        if event.id not in seen_ids:
            seen_ids.add(event.id)
            first_seen[event.key].append(event.payload["size_bytes"])
    for key, seqs in first_seen.items():
        assert seqs == sorted(seqs), f"key {key} out of order"


def test_published_events_reach_the_group_once_in_order_per_key(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    ids = _publish_burst(300, keys=7)

    relayed = kafka_bus.relay()
    kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 300)

    assert relayed.sent == 300
    assert sorted(map(str, seen.ids)) == sorted(map(str, ids))
    assert_order_per_key(seen.events)
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    assert ProcessedEvent.objects.filter(group="it-documents").count() == 300


def test_a_duplicate_delivery_has_one_effect(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    publish("document.uploaded", uploaded(1))
    kafka_bus.relay()
    OutboxEvent.objects.update(sent_at=None)  # as if the relay died before recording the broker's ack
    kafka_bus.relay()

    stats = kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 1)

    assert (stats.received, stats.handled, stats.duplicates, len(seen.ids)) == (2, 1, 1, 1)


def test_a_restarted_consumer_resumes_from_its_committed_offset(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    _publish_burst(100, keys=3)
    kafka_bus.relay()
    kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 100)
    _publish_burst(100, keys=3)
    kafka_bus.relay()

    stats = kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 200)

    assert (stats.received, stats.duplicates, len(set(seen.ids))) == (100, 0, 200)


def test_a_poison_event_is_dead_lettered_then_replayed(kafka_bus: KafkaBus, settings: Any) -> None:
    seen = Recorder()
    broken = {"on": True}

    def handler(event: Event) -> None:
        if broken["on"] and event.payload["document_id"] == 13:
            raise ValueError("cannot handle document 13")
        seen(event)

    kafka_bus.subscribe("document.uploaded", "it-documents", handler)
    poison = publish("document.uploaded", uploaded(13))
    publish("document.uploaded", uploaded(14))
    kafka_bus.relay()
    asyncio.run(_produce_garbage(f"{kafka_bus.prefix}document.uploaded", kafka_bus.bootstrap))

    stats = kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 1 and DeadLetter.objects.count() >= 2)

    assert (stats.handled, stats.retries, stats.dead_lettered) == (1, 2, 2)
    letter = DeadLetter.objects.get(event_id=poison)
    assert (letter.group, letter.attempts, "cannot handle document 13" in letter.error) == ("it-documents", 3, True)
    announcement = OutboxEvent.objects.get(topic="eventbus.dead_letter", payload__original_event_id=str(poison))
    assert kafka_bus.relay().sent == 2  # both announcements go to the dead-letter topic
    assert OutboxEvent.objects.get(pk=announcement.pk).sent_at is not None

    broken["on"] = False
    call_command("dead_letters", "replay", str(letter.pk))

    assert poison in seen.ids
    assert DeadLetter.objects.get(pk=letter.pk).replayed_at is not None
    assert ProcessedEvent.objects.filter(group="it-documents", event_id=poison).exists()


async def _produce_garbage(topic: str, bootstrap: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not json at all", key=b"13")
    finally:
        await producer.stop()


def test_two_consumers_of_one_group_share_the_partitions_and_handle_each_event_once(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    ids = _publish_burst(200, keys=9)
    kafka_bus.relay()

    async def both() -> list[Any]:
        from eventbus.consumer import GroupConsumer

        consumers = [GroupConsumer("it-documents"), GroupConsumer("it-documents")]
        tasks = [asyncio.create_task(c.run()) for c in consumers]
        for _ in range(400):
            if len(set(seen.ids)) >= 200:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        for consumer in consumers:
            consumer.stop()
        return list(await asyncio.gather(*tasks))

    stats = asyncio.run(both())

    assert sorted(map(str, set(seen.ids))) == sorted(map(str, ids))
    assert sum(s.handled for s in stats) == 200
    assert ProcessedEvent.objects.filter(group="it-documents").count() == 200


def test_replay_events_redelivers_a_topic_from_an_offset(kafka_bus: KafkaBus) -> None:
    seen = Recorder()
    kafka_bus.subscribe("document.uploaded", "it-documents", seen)
    _publish_burst(100, keys=2)
    kafka_bus.relay()
    kafka_bus.consume("it-documents", lambda: len(seen.ids) >= 100)

    call_command(
        "replay_events", "--topic", "document.uploaded", "--group", "it-documents", "--from-offset", "0", "--force"
    )

    assert len(seen.ids) == 200
    assert len(set(seen.ids)) == 100


def test_kafka_topics_creates_verifies_describes_and_deletes_the_registry_topics(
    kafka_settings: str, settings: Any
) -> None:
    def run(*args: str) -> str:
        out = StringIO()
        call_command("kafka_topics", *args, stdout=out)
        return out.getvalue()

    assert f"created {len(TOPICS)} topics" in run("create")
    assert "already present" in run("create")
    assert f"{len(TOPICS)} topics match the registry" in run("verify")
    described = json.loads(run("describe", "--topic", "chat.message"))
    assert described[f"{kafka_settings}chat.message"]["partitions"] == 6

    settings.KAFKA_MIN_INSYNC_REPLICAS = 2  # the cluster now differs from what this environment asks for
    with pytest.raises(CommandError, match=f"{len(TOPICS)} differences"):
        run("verify")

    assert f"deleted {len(TOPICS)} topics" in run("delete", "--yes")
    with pytest.raises(CommandError, match="differences"):
        run("verify", "--topic", "user.deleted")
