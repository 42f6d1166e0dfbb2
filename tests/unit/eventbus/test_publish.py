import uuid
from typing import Any

import pytest
from django.db import DatabaseError, connections, transaction

from eventbus import InvalidPayload, metrics, publish, publish_many, publishing
from eventbus.models import OutboxEvent
from tests.unit.eventbus.conftest import UPLOADED

pytestmark = pytest.mark.django_db


def test_publish_writes_an_outbox_row_with_the_envelope() -> None:
    event_id = publish("document.uploaded", UPLOADED)

    row = OutboxEvent.objects.get()
    assert row.event_id == event_id
    assert (row.topic, row.key, row.subject) == ("document.uploaded", "7", "document/7")
    assert row.type == "org.learningplatform.document.uploaded.v1"
    assert row.schema_version == "1.0"
    assert row.correlation_id == event_id
    assert row.causation_id is None
    assert row.payload == UPLOADED


def test_an_explicit_key_overrides_the_key_field() -> None:
    publish("document.uploaded", UPLOADED, key="custom")

    assert OutboxEvent.objects.get().key == "custom"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({**UPLOADED, "text": "the learner's notes"}, id="unknown-field"),
        pytest.param({k: v for k, v in UPLOADED.items() if k != "size_bytes"}, id="missing-field"),
        pytest.param({**UPLOADED, "document_id": "seven"}, id="wrong-type"),
    ],
)
def test_an_invalid_payload_is_refused_and_nothing_is_written(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidPayload):
        publish("document.uploaded", payload)

    assert not OutboxEvent.objects.exists()


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown topic"):
        publish("document.uplaoded", UPLOADED)


def test_a_rolled_back_transaction_publishes_nothing() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - the raise rolls the transaction back
        publish("document.uploaded", UPLOADED)
        raise RuntimeError("the caller's change failed")

    assert not OutboxEvent.objects.exists()


def test_publish_many_writes_every_row_in_one_call() -> None:
    ids = publish_many("document.uploaded", [{**UPLOADED, "document_id": n} for n in range(5)])

    assert list(OutboxEvent.objects.order_by("id").values_list("event_id", flat=True)) == ids
    assert all(isinstance(event_id, uuid.UUID) for event_id in ids)


def test_the_shard_is_stable_for_a_key() -> None:
    publish("document.uploaded", UPLOADED)
    publish("document.uploaded", UPLOADED)

    assert OutboxEvent.objects.values("shard").distinct().count() == 1


def test_a_failed_insert_inside_the_callers_transaction_marks_it_for_rollback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(connection: Any, rows: list[dict[str, Any]]) -> None:
        raise DatabaseError("the outbox insert failed")

    monkeypatch.setattr(publishing, "_insert", broken)
    with transaction.atomic():
        with pytest.raises(DatabaseError):
            publish("document.uploaded", UPLOADED)
        assert transaction.get_rollback() is True
        transaction.set_rollback(False)  # only to leave the block cleanly; the flag is what the test checks


def test_on_sqlite_uuids_and_datetimes_still_go_through_the_fields_conversion() -> None:
    if connections["default"].vendor != "sqlite":  # unit tests pointed at PostgreSQL with DATABASE_URL
        pytest.skip("PostgreSQL's driver takes uuids and datetimes as they are: no conversion to check")
    statement = publishing._insert_sql("default")

    assert [field.name for _, field in statement.conversions] == ["event_id", "time", "correlation_id", "causation_id"]
    assert [publishing.COLUMNS[index] for index, _ in statement.conversions] == [
        "event_id",
        "time",
        "correlation_id",
        "causation_id",
    ]


def test_on_the_kafka_transport_a_publish_registers_no_commit_callback(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EVENTBUS_TRANSPORT = "kafka"  # the relay delivers: nothing to do at commit

    with django_capture_on_commit_callbacks() as callbacks:
        publish("document.uploaded", UPLOADED)

    assert callbacks == []
    assert OutboxEvent.objects.get().sent_at is None


def test_in_process_one_commit_callback_delivers_all_the_events_of_a_call(
    django_capture_on_commit_callbacks: Any, handler_of: Any
) -> None:
    seen = handler_of("document.uploaded", "documents")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ids = publish_many("document.uploaded", [{**UPLOADED, "document_id": n} for n in range(3)])

    assert len(callbacks) == 1
    assert [event.id for event in seen] == ids


def test_a_hook_is_run_only_while_it_wants_events(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(publishing, "_after_commit", [])
    told: list[list[uuid.UUID]] = []
    wanted = {"now": False}
    publishing.deliver_after_commit_with(told.append, when=lambda: wanted["now"])
    publishing.deliver_after_commit_with(told.append, when=lambda: True)  # registered once per hook

    with django_capture_on_commit_callbacks(execute=True):
        publish("document.uploaded", UPLOADED)
    wanted["now"] = True
    with django_capture_on_commit_callbacks(execute=True):
        second = publish("document.uploaded", UPLOADED)

    assert told == [[second]]


def test_the_payload_is_stored_as_the_same_json_object_nested_lists_included() -> None:
    payload = {"quiz_id": 1, "document_id": 2, "owner_id": 3, "question_count": 4, "question_types": ["cloze", "mcq"]}

    publish("quiz.requested", payload)

    assert OutboxEvent.objects.get().payload == payload


@pytest.mark.parametrize(
    ("topic", "payload", "subject"),
    [
        pytest.param("document.uploaded", UPLOADED, "document/7", id="first-id-field"),
        pytest.param("user.deleted", {"user_id": 9}, "user/9", id="only-id-field"),
        pytest.param(
            "pipeline.step.failed",
            {"step": "notes", "subject_type": "document", "subject_id": 5, "owner_id": 3, "reason": "empty"},
            "subject/5",
            id="id-field-after-others",
        ),
    ],
)
def test_the_default_subject_comes_from_the_first_id_field(topic: str, payload: dict[str, Any], subject: str) -> None:
    publish(topic, payload)

    assert OutboxEvent.objects.get().subject == subject


def test_an_explicit_subject_and_keys_apply_to_every_row_of_a_batch() -> None:
    publish_many("document.uploaded", [UPLOADED, UPLOADED], keys=["a", "b"], subject="course/1")

    assert list(OutboxEvent.objects.order_by("id").values_list("key", "subject")) == [
        ("a", "course/1"),
        ("b", "course/1"),
    ]


def test_every_event_gets_its_own_id() -> None:
    ids = publish_many("document.uploaded", [UPLOADED] * 200)

    assert len(set(ids)) == 200
    assert set(OutboxEvent.objects.values_list("event_id", flat=True)) == set(ids)


def test_the_published_counter_counts_each_event() -> None:
    counter = metrics.EVENTS_PUBLISHED.labels(topic="user.deleted")
    before = counter._value.get()

    publish_many("user.deleted", [{"user_id": 1}, {"user_id": 2}])
    publish("user.deleted", {"user_id": 3})

    assert counter._value.get() - before == 3


def test_an_event_published_in_a_rolled_back_savepoint_is_neither_written_nor_delivered(
    django_capture_on_commit_callbacks: Any, handler_of: Any
) -> None:
    seen = handler_of("document.uploaded", "documents")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = publish("document.uploaded", UPLOADED)
        with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - the raise rolls the savepoint back
            publish("document.uploaded", {**UPLOADED, "document_id": 8})
            raise RuntimeError("the inner change failed")

    assert [event.id for event in seen] == [kept]
    assert list(OutboxEvent.objects.values_list("event_id", flat=True)) == [kept]
