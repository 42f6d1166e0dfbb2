"""Payload schemas are generated from the typed definitions in eventbus.payloads."""

from typing import Annotated, Literal, NotRequired, TypedDict

import pytest

from eventbus import payloads, publish
from eventbus.payloads import Doc, Field, payload_fields
from eventbus.registry import TOPICS
from eventbus.schemas import json_schema


class Sample(TypedDict):
    count: int
    score: Annotated[float, Doc("fraction, 0..1")]
    role: Literal["user", "assistant"]
    tags: NotRequired[list[str]]
    note: NotRequired[Annotated[str, Doc("free text", format="uri")]]


def test_each_python_type_becomes_its_json_schema_field() -> None:
    assert payload_fields(Sample) == {
        "count": Field(type="integer"),
        "score": Field(type="number", description="fraction, 0..1"),
        "role": Field(type="string", enum=("user", "assistant")),
        "tags": Field(type="array", items="string", required=False),
        "note": Field(type="string", description="free text", required=False, format="uri"),
    }


def test_an_optional_field_must_be_not_required_rather_than_a_union() -> None:
    class Loose(TypedDict):
        maybe: int | None

    with pytest.raises(TypeError, match=r"Loose\.maybe: use NotRequired"):
        payload_fields(Loose)


def test_every_topic_schema_comes_from_its_typed_payload() -> None:
    for topic in TOPICS.values():
        assert topic.schema.payload.__name__.endswith(f"V{topic.schema.major}")
        assert list(json_schema(topic)["properties"]) == list(payload_fields(topic.schema.payload))


@pytest.mark.django_db
def test_a_payload_built_with_its_class_is_published() -> None:
    payload = payloads.DocumentUploadedV1(document_id=7, owner_id=3, media_type="application/pdf", size_bytes=1024)

    event_id = publish("document.uploaded", payload)

    assert event_id
