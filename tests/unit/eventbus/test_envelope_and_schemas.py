import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator

from eventbus import Event, InvalidPayload
from eventbus.envelope import MalformedEvent
from eventbus.export import asyncapi
from eventbus.registry import TOPICS
from eventbus.schemas import _obviously_valid, json_schema, validate_for_consume, validate_for_publish
from tests.unit.eventbus.conftest import UPLOADED

EVENT = Event(
    id=uuid.uuid4(),
    topic="document.uploaded",
    type="org.learningplatform.document.uploaded.v1",
    source="/learning-platform",
    subject="document/7",
    time=datetime(2026, 1, 31, 12, 0, tzinfo=UTC),
    payload=UPLOADED,
    key="7",
    correlation_id=uuid.uuid4(),
    causation_id=uuid.uuid4(),
)


def test_the_kafka_binary_binding_round_trips() -> None:
    key, value, headers = EVENT.to_kafka()

    assert dict(headers)["ce_specversion"] == b"1.0"
    assert dict(headers)["content-type"] == b"application/json"
    assert Event.from_kafka("document.uploaded", key, value, headers) == EVENT


def test_the_structured_form_round_trips() -> None:
    assert Event.from_json(EVENT.to_json()) == EVENT


@pytest.mark.parametrize(
    ("value", "headers"),
    [
        pytest.param(b"not json", [("ce_id", str(uuid.uuid4()).encode())], id="not-json"),
        pytest.param(b"{}", [], id="no-headers"),
        pytest.param(b"[1]", EVENT.to_kafka()[2], id="not-an-object"),
    ],
)
def test_a_record_that_is_not_an_event_is_malformed(value: bytes, headers: list[tuple[str, bytes]]) -> None:
    with pytest.raises(MalformedEvent):
        Event.from_kafka("document.uploaded", b"7", value, headers)


def test_a_consumer_tolerates_fields_of_a_newer_minor_version() -> None:
    validate_for_consume("document.uploaded", {**UPLOADED, "page_hint": 3}, "1.4")


@pytest.mark.parametrize(
    ("payload", "version"),
    [
        pytest.param(UPLOADED, "2.0", id="other-major"),
        pytest.param({"document_id": 7}, "1.0", id="missing-required"),
    ],
)
def test_a_consumer_refuses_what_it_cannot_read(payload: dict[str, object], version: str) -> None:
    with pytest.raises(InvalidPayload):
        validate_for_consume("document.uploaded", payload, version)


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_every_topic_has_a_keyed_schema(name: str) -> None:
    schema = json_schema(TOPICS[name])

    assert TOPICS[name].key_field in schema["required"]


def test_the_asyncapi_document_has_a_channel_per_topic() -> None:
    document = asyncapi()

    assert document["asyncapi"] == "3.0.0"
    assert sorted(channel["address"] for channel in document["channels"].values()) == sorted(TOPICS)


def test_the_exported_schemas_and_catalogue_are_up_to_date() -> None:
    call_command("eventbus_schemas", "--check")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(UPLOADED, id="valid"),
        pytest.param({**UPLOADED, "size_bytes": True}, id="bool-is-not-integer"),
        pytest.param({**UPLOADED, "size_bytes": 1.0}, id="integral-float"),
        pytest.param({**UPLOADED, "size_bytes": 1.5}, id="fraction"),
        pytest.param({**UPLOADED, "extra": 1}, id="unknown-field"),
        pytest.param({"document_id": 1}, id="missing"),
        pytest.param([], id="not-an-object"),
    ],
)
def test_the_quick_publish_check_never_accepts_what_the_json_schema_refuses(payload: object) -> None:
    strict = Draft202012Validator(json_schema(TOPICS["document.uploaded"], strict=True))

    if _obviously_valid(TOPICS["document.uploaded"], payload):
        assert strict.is_valid(payload)


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        pytest.param(
            "audio.generation.requested",
            {"narration_id": 1, "owner_id": 1, "source_type": "video", "source_id": 1},
            id="enum",
        ),
        pytest.param(
            "quiz.requested",
            {"quiz_id": 1, "document_id": 1, "owner_id": 1, "question_count": 3, "question_types": [1]},
            id="array-items",
        ),
    ],
)
def test_publish_validation_refuses_a_wrong_enum_or_item_type(topic: str, payload: dict[str, object]) -> None:
    with pytest.raises(InvalidPayload):
        validate_for_publish(topic, payload)
