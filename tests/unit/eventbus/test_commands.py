from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from eventbus import Event, publish
from eventbus.maintenance import outbox_status, prune
from eventbus.models import DeadLetter, OutboxEvent, ProcessedEvent
from eventbus.relay import ShardLease
from eventbus.transports import sweep
from tests.unit.eventbus.conftest import UPLOADED

pytestmark = pytest.mark.django_db
Handlers = Callable[..., list[Event]]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_outbox_status_reports_pending_rows_and_their_age() -> None:
    publish("document.uploaded", UPLOADED)
    OutboxEvent.objects.update(time=timezone.now() - timedelta(minutes=5), attempts=2)

    status = outbox_status()
    output = run("outbox", "status")

    assert (status.pending, status.failing, status.max_attempts) == (1, 1, 2)
    assert status.oldest_age_seconds >= 300
    assert "pending: 1" in output
    assert "document.uploaded: 1 pending" in output


def test_prune_deletes_old_sent_rows_and_old_ledger_rows_only() -> None:
    publish("document.uploaded", UPLOADED)
    publish("document.uploaded", UPLOADED)
    old = timezone.now() - timedelta(days=60)
    OutboxEvent.objects.filter(pk=OutboxEvent.objects.first().pk).update(sent_at=old)  # type: ignore[union-attr]
    ProcessedEvent.objects.create(group="g", event_id=OutboxEvent.objects.first().event_id, topic="t")  # type: ignore[union-attr]
    ProcessedEvent.objects.update(processed_at=old)

    assert prune() == {"outbox": 1, "ledger": 1}
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 1


def test_dead_letters_can_be_listed_shown_and_replayed(handler_of: Handlers) -> None:
    broken = {"on": True}

    def effect(event: Event) -> None:
        if broken["on"]:
            raise ConnectionError("service down")

    seen = handler_of("document.uploaded", "documents", effect)
    event_id = publish("document.uploaded", UPLOADED)
    for _ in range(3):
        sweep()
    letter = DeadLetter.objects.get()

    assert str(event_id) in run("dead_letters", "list")
    assert "service down" in run("dead_letters", "show", str(letter.pk))
    broken["on"] = False
    assert "replayed 1, still failing 0" in run("dead_letters", "replay", "--all")
    assert [e.id for e in seen][-1] == event_id
    assert DeadLetter.objects.get().replayed_at is not None


def test_replay_needs_letters_or_all() -> None:
    with pytest.raises(CommandError, match="--all"):
        run("dead_letters", "replay")


def test_replay_events_from_the_outbox_redoes_the_effects_with_force(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)
    sweep()

    output = run(
        "replay_events", "--topic", "document.uploaded", "--group", "documents", "--since", "2000-01-01", "--force"
    )

    assert "read 1, handled 1" in output
    assert len(seen) == 2


def test_replay_events_without_force_skips_what_the_ledger_has(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)
    sweep()

    output = run("replay_events", "--topic", "document.uploaded", "--group", "documents", "--since", "2000-01-01")

    assert "already handled 1" in output
    assert len(seen) == 1


def test_kafka_topics_list_shows_the_registry_with_overrides(settings: Any) -> None:
    settings.EVENTBUS_TOPIC_PREFIX = "dev."
    settings.KAFKA_REPLICATION_FACTOR = 1
    settings.KAFKA_MIN_INSYNC_REPLICAS = 1

    output = run("kafka_topics", "list", "--topic", "document.uploaded")

    assert output.strip() == (
        "dev.document.uploaded  partitions=3 rf=1 retention.ms=604800000 min.insync.replicas=1 compression.type=snappy"
    )


def test_kafka_topics_delete_asks_for_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="not confirmed"):
        run("kafka_topics", "delete")


def test_on_sqlite_a_single_relay_owns_every_shard() -> None:
    assert ShardLease(16).refresh() == set(range(16))
