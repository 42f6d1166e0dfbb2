"""The one envelope every event travels in: CloudEvents 1.0 attributes plus correlation and causation ids.

On Kafka the binary content mode is used: attributes go in ``ce_*`` headers, the JSON payload is the value
and the partition key is the message key. ``correlationid``, ``causationid`` and ``schemaversion`` are
CloudEvents extension attributes (lower-case alphanumeric names, as the spec requires).
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Event:
    """An event as a handler receives it. ``payload`` holds ids and metadata, never a learner's content."""

    id: uuid.UUID
    topic: str
    type: str
    source: str
    subject: str
    time: datetime
    payload: dict[str, Any]
    key: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    schema_version: str = "1.0"
    specversion: str = field(default=SPEC_VERSION)

    def attributes(self) -> dict[str, str]:
        """CloudEvents context attributes (without ``data``), as strings."""
        attributes = {
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "specversion": self.specversion,
            "datacontenttype": CONTENT_TYPE,
            "correlationid": str(self.correlation_id),
            "schemaversion": self.schema_version,
        }
        if self.causation_id:
            attributes["causationid"] = str(self.causation_id)
        return attributes

    def to_kafka(self) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
        """Key, value and headers for the CloudEvents Kafka binary binding."""
        headers = [
            ("content-type" if name == "datacontenttype" else f"ce_{name}", value.encode())
            for name, value in self.attributes().items()
        ]
        return self.key.encode(), encode_payload(self.payload), headers

    @classmethod
    def from_kafka(cls, topic: str, key: bytes | None, value: bytes | None, headers: Any) -> "Event":
        """Rebuild an event from a Kafka record; raises :class:`MalformedEvent` when it is not one of ours."""
        attributes = {name.removeprefix("ce_"): raw.decode() for name, raw in headers or () if name.startswith("ce_")}
        try:
            payload = json.loads(value or b"null")
            if not isinstance(payload, dict):
                raise MalformedEvent("the value is not a JSON object")
            causation = attributes.get("causationid")
            return cls(
                id=uuid.UUID(attributes["id"]),
                topic=topic,
                type=attributes["type"],
                source=attributes["source"],
                subject=attributes.get("subject", ""),
                time=datetime.fromisoformat(attributes["time"]),
                payload=payload,
                key=(key or b"").decode(),
                correlation_id=uuid.UUID(attributes.get("correlationid") or attributes["id"]),
                causation_id=uuid.UUID(causation) if causation else None,
                schema_version=attributes.get("schemaversion", "1.0"),
                specversion=attributes["specversion"],
            )
        except (KeyError, ValueError, UnicodeDecodeError) as error:
            raise MalformedEvent(f"not a CloudEvents record: {error!r}") from error

    def to_json(self) -> dict[str, Any]:
        """Structured-mode representation (attributes plus ``data``), used for dead letters and replays."""
        return {**self.attributes(), "topic": self.topic, "key": self.key, "data": self.payload}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> "Event":
        causation = document.get("causationid")
        return cls(
            id=uuid.UUID(document["id"]),
            topic=document["topic"],
            type=document["type"],
            source=document["source"],
            subject=document.get("subject", ""),
            time=datetime.fromisoformat(document["time"]),
            payload=document["data"],
            key=document["key"],
            correlation_id=uuid.UUID(document["correlationid"]),
            causation_id=uuid.UUID(causation) if causation else None,
            schema_version=document.get("schemaversion", "1.0"),
        )


class MalformedEvent(ValueError):
    """A record that cannot be read as an event of ours (no CloudEvents headers, value not JSON)."""


def encode_payload(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
