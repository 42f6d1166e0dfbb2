from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from eventbus import Event, publish
from eventbus.delivery import handle
from eventbus.models import DeadLetter, DeliveryRetry, OutboxEvent, ProcessedEvent
from eventbus.transports import sweep
from tests.unit.eventbus.conftest import UPLOADED

pytestmark = pytest.mark.django_db

Handlers = Callable[..., list[Event]]


def test_a_committed_event_reaches_its_handler_right_after_commit(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any
) -> None:
    seen = handler_of("document.uploaded", "documents")

    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish("document.uploaded", UPLOADED)

    assert [(e.id, e.topic, e.payload, e.key) for e in seen] == [(event_id, "document.uploaded", UPLOADED, "7")]
    assert OutboxEvent.objects.get().sent_at is not None
    assert ProcessedEvent.objects.filter(group="documents", event_id=event_id).exists()


def test_nothing_is_delivered_before_commit(handler_of: Handlers, django_capture_on_commit_callbacks: Any) -> None:
    seen = handler_of("document.uploaded", "documents")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish("document.uploaded", UPLOADED)

    assert seen == []
    assert len(callbacks) == 1


def test_a_rolled_back_publish_reaches_no_handler(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any
) -> None:
    seen = handler_of("document.uploaded", "documents")

    # The raise inside the block is what rolls the transaction back.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        publish("document.uploaded", UPLOADED)
        raise RuntimeError("rollback")

    assert seen == []


def test_every_group_gets_the_event(handler_of: Handlers, django_capture_on_commit_callbacks: Any) -> None:
    notes = handler_of("document.processed", "notes")
    chat = handler_of("document.processed", "chat")
    payload = {"document_id": 1, "owner_id": 2, "page_count": 3, "chunk_count": 4}

    with django_capture_on_commit_callbacks(execute=True):
        publish("document.processed", payload)

    assert (len(notes), len(chat)) == (1, 1)


def test_a_duplicate_delivery_has_one_effect(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)
    event = OutboxEvent.objects.get().to_event()

    first, second = handle("documents", event), handle("documents", event)

    assert (first, second) == (True, False)
    assert len(seen) == 1


def test_a_row_left_behind_by_a_crash_is_delivered_by_the_sweep(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)  # no on_commit here: the test transaction never commits

    result = sweep()

    assert (result.examined, result.delivered, len(seen)) == (1, 1, 1)
    assert OutboxEvent.objects.get().sent_at is not None


def test_the_sweep_leaves_fresh_rows_to_the_after_commit_delivery(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)

    result = sweep(grace=timedelta(minutes=1))

    assert (result.examined, seen) == (0, [])


def _fail_times(times: int) -> Callable[[Event], None]:
    calls = {"n": 0}

    def effect(event: Event) -> None:
        calls["n"] += 1
        if calls["n"] <= times:
            raise ConnectionError(f"failure {calls['n']}")

    return effect


def test_a_failing_handler_is_retried_with_backoff_then_succeeds(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EVENTBUS_RETRY_BASE_SECONDS = 60.0
    seen = handler_of("document.uploaded", "documents", _fail_times(1))
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish("document.uploaded", UPLOADED)
    retry = DeliveryRetry.objects.get()
    assert (retry.attempts, "failure 1" in retry.last_error) == (1, True)
    assert retry.next_attempt_at > timezone.now() + timedelta(seconds=59)

    assert sweep().examined == 0  # not due yet
    DeliveryRetry.objects.update(next_attempt_at=timezone.now())
    OutboxEvent.objects.update(next_attempt_at=timezone.now())
    result = sweep()

    assert (result.delivered, len(seen)) == (1, 2)
    assert not DeliveryRetry.objects.exists()
    assert ProcessedEvent.objects.filter(group="documents", event_id=event_id).count() == 1


def test_the_effects_of_a_failed_attempt_are_rolled_back(handler_of: Handlers) -> None:
    def write_then_fail(event: Event) -> None:
        ProcessedEvent.objects.create(group="side-effect", event_id=event.id, topic=event.topic)
        raise ConnectionError("after writing")

    handler_of("document.uploaded", "documents", write_then_fail)
    publish("document.uploaded", UPLOADED)

    sweep()

    assert not ProcessedEvent.objects.exists()


def test_an_event_that_keeps_failing_is_dead_lettered(handler_of: Handlers) -> None:
    handler_of("document.uploaded", "documents", _fail_times(99))
    event_id = publish("document.uploaded", UPLOADED)

    for _ in range(3):  # EVENTBUS_MAX_ATTEMPTS
        sweep()

    letter = DeadLetter.objects.get()
    assert (letter.group, letter.event_id, letter.attempts) == ("documents", event_id, 3)
    assert "failure 3" in letter.error
    assert OutboxEvent.objects.get(event_id=event_id).sent_at is not None
    announcement = OutboxEvent.objects.get(topic="eventbus.dead_letter")
    assert announcement.payload["original_event_id"] == str(event_id)
    assert announcement.correlation_id == event_id


def test_one_groups_dead_letter_does_not_stop_another_group(handler_of: Handlers) -> None:
    handler_of("document.uploaded", "documents", _fail_times(99))
    saga = handler_of("document.uploaded", "saga")
    publish("document.uploaded", UPLOADED)

    for _ in range(3):
        sweep()

    assert len(saga) == 1
    assert DeadLetter.objects.get().group == "documents"


def test_a_later_event_of_a_key_waits_for_an_earlier_retrying_one(handler_of: Handlers) -> None:
    seen = handler_of("document.uploaded", "documents", _fail_times(1))
    first = publish("document.uploaded", {**UPLOADED, "size_bytes": 1})
    second = publish("document.uploaded", {**UPLOADED, "size_bytes": 2})

    sweep()  # first fails, second must wait
    sweep()

    assert [event.id for event in seen] == [first, first, second]


def test_a_publish_from_a_handler_carries_correlation_and_causation(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any
) -> None:
    processed = {"document_id": 7, "owner_id": 3, "page_count": 1, "chunk_count": 1}
    handler_of("document.uploaded", "documents", lambda event: publish("document.processed", processed))
    downstream = handler_of("document.processed", "notes")

    with django_capture_on_commit_callbacks(execute=True):
        root = publish("document.uploaded", UPLOADED)

    assert [(e.correlation_id, e.causation_id) for e in downstream] == [(root, root)]


def test_on_the_kafka_transport_nothing_is_delivered_in_process(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EVENTBUS_TRANSPORT = "kafka"
    seen = handler_of("document.uploaded", "documents")

    with django_capture_on_commit_callbacks(execute=True):
        publish("document.uploaded", UPLOADED)

    assert (seen, sweep().examined) == ([], 0)
    assert OutboxEvent.objects.get().sent_at is None


def test_a_failure_in_after_commit_delivery_never_reaches_the_caller(
    handler_of: Handlers, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler_of("document.uploaded", "documents")

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("database went away")

    monkeypatch.setattr("eventbus.transports.dispatch", broken)

    with django_capture_on_commit_callbacks(execute=True):
        publish("document.uploaded", UPLOADED)

    assert OutboxEvent.objects.get().sent_at is None  # left for the sweep


def test_a_batch_is_handled_once_per_event_even_with_copies_and_known_events(handler_of: Handlers) -> None:
    from eventbus.delivery import handle_batch

    seen = handler_of("document.uploaded", "documents")
    publish("document.uploaded", UPLOADED)
    publish("document.uploaded", {**UPLOADED, "document_id": 8})
    first, second = (row.to_event() for row in OutboxEvent.objects.order_by("id"))
    handle("documents", first)

    assert handle_batch("documents", [first, second, second]) == (1, 2)
    assert [event.id for event in seen] == [first.id, second.id]
    assert ProcessedEvent.objects.filter(group="documents").count() == 2
