import uuid
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from eventbus import InvalidPayload, publish, publish_many, publishing
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
    fields, _, _ = publishing._insert_sql("default", ("event_id", "time", "payload", "topic"))

    assert {field.name: needs_prep for field, needs_prep in fields} == {
        "event_id": True,
        "time": True,
        "payload": True,
        "topic": False,
    }
