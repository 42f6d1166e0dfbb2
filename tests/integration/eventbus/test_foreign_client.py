"""A Kafka client we did not write (confluent-kafka, librdkafka) reads every topic, and every message
validates against the exported JSON Schemas (docs/schemas/) with the CloudEvents headers in place."""

import json
import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from eventbus import publish
from eventbus.export import schema_filename
from eventbus.registry import TOPICS, Field, Topic
from tests.integration.eventbus.conftest import ROOT, KafkaBus

pytestmark = pytest.mark.integration
confluent_kafka = pytest.importorskip("confluent_kafka")

SAMPLES = {"integer": 7, "number": 0.5, "string": "sample", "boolean": True}


def sample_value(field: Field) -> Any:
    if field.enum:
        return field.enum[0]
    if field.type == "array":
        return [SAMPLES[field.items or "string"]]
    return SAMPLES[field.type]


def sample_payload(topic: Topic) -> dict[str, Any]:
    return {name: sample_value(field) for name, field in topic.schema.fields.items()}


def exported_schema(topic: Topic) -> dict[str, Any]:
    return json.loads((ROOT / "docs" / "schemas" / schema_filename(topic)).read_text())


def read_all(bootstrap: str, prefix: str, expected: int, timeout: float = 30) -> list[Any]:
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"{prefix}foreign", "enable.auto.commit": False}
    )
    consumer.assign(
        [
            confluent_kafka.TopicPartition(f"{prefix}{topic.name}", partition, confluent_kafka.OFFSET_BEGINNING)
            for topic in TOPICS.values()
            for partition in range(topic.partitions)
        ]
    )
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                messages.append(message)
    finally:
        consumer.close()
    return messages


def test_confluent_kafka_reads_every_topic_and_each_message_matches_its_exported_schema(
    kafka_bus: KafkaBus,
) -> None:
    for topic in TOPICS.values():
        publish(topic.name, sample_payload(topic))
    kafka_bus.relay()

    messages = read_all(kafka_bus.bootstrap, kafka_bus.prefix, expected=len(TOPICS))

    assert sorted(m.topic().removeprefix(kafka_bus.prefix) for m in messages) == sorted(TOPICS)
    for message in messages:
        topic = TOPICS[message.topic().removeprefix(kafka_bus.prefix)]
        headers = {name: value.decode() for name, value in message.headers()}
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_type"] == topic.event_type
        assert headers["ce_schemaversion"] == topic.schema.version
        assert headers["content-type"] == "application/json"
        assert {"ce_id", "ce_source", "ce_time", "ce_subject", "ce_correlationid"} <= headers.keys()
        assert message.key().decode() == str(sample_payload(topic)[topic.key_field])
        Draft202012Validator(exported_schema(topic)).validate(json.loads(message.value()))
