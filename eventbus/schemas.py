"""JSON Schemas of the payloads, generated from the registry, and the validation done on publish and consume.

Versioning: ``major.minor``. A minor version only adds optional fields, so a consumer accepts any minor of
its major and ignores fields it does not know (they come from a newer minor). Publishing is strict: the
producer owns the current version, so an unknown field there is a mistake (or content that must not leak
into an event) and is refused. A different major is a different event type (``...v2``) and is refused on
consume.
"""

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from eventbus.registry import TOPICS, Field, Topic, get_topic

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class InvalidPayload(ValueError):
    """The payload does not match its topic's schema."""


def schema_id(topic: Topic) -> str:
    return f"urn:learning-platform:events:{topic.name}:{topic.schema.version}"


def _property(field: Field) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": field.type}
    if field.description:
        prop["description"] = field.description
    if field.enum:
        prop["enum"] = list(field.enum)
    if field.items:
        prop["items"] = {"type": field.items}
    if field.format:
        prop["format"] = field.format
    return prop


def json_schema(topic: Topic, *, strict: bool = False) -> dict[str, Any]:
    """The payload schema of ``topic``'s current version. ``strict`` refuses unknown fields (publish side)."""
    fields = topic.schema.fields
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id(topic),
        "title": f"{topic.name} payload v{topic.schema.version}",
        "description": topic.description,
        "type": "object",
        "properties": {name: _property(field) for name, field in fields.items()},
        "required": [name for name, field in fields.items() if field.required],
        "additionalProperties": not strict,
    }


@cache
def _validator(topic_name: str, strict: bool) -> Draft202012Validator:
    schema = json_schema(get_topic(topic_name), strict=strict)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _raise_first_error(validator: Draft202012Validator, topic: str, payload: Any) -> None:
    error: ValidationError | None = next(iter(validator.iter_errors(payload)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(payload)"
        raise InvalidPayload(f"{topic}: {where}: {error.message}")


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _has_type(value: Any, json_type: str) -> bool:
    if isinstance(value, bool) and json_type != "boolean":
        return False  # JSON Schema: true is not an integer
    return isinstance(value, _PYTHON_TYPES[json_type])


def _obviously_valid(topic: Topic, payload: Any, *, strict: bool = True) -> bool:
    """A quick check of exactly the keywords the generated schemas use (type, required, enum, items, no extra
    properties). ``True`` only when the strict JSON Schema would accept the payload too; anything else goes to
    the full validator, which decides and explains."""
    fields = topic.schema.fields
    if not isinstance(payload, dict) or (strict and not payload.keys() <= fields.keys()):
        return False
    for name, field in fields.items():
        if name not in payload:
            if field.required:
                return False
            continue
        value = payload[name]
        if not _has_type(value, field.type) or (field.enum and value not in field.enum):
            return False
        if field.items and not all(_has_type(item, field.items) for item in value):
            return False
    return True


def validate_for_publish(topic: str, payload: Any) -> None:
    if _obviously_valid(get_topic(topic), payload):
        return
    validator = _validator(topic, True)
    if not validator.is_valid(payload):
        _raise_first_error(validator, topic, payload)


def validate_for_consume(topic: str, payload: Any, schema_version: str) -> None:
    """Accept any minor version of the topic's major; fields added by a newer minor are ignored."""
    major = get_topic(topic).schema.major
    if schema_version.split(".")[0] != str(major):
        raise InvalidPayload(f"{topic}: schema version {schema_version} is not a {major}.x version")
    if _obviously_valid(get_topic(topic), payload, strict=False):
        return
    validator = _validator(topic, False)
    if not validator.is_valid(payload):
        _raise_first_error(validator, topic, payload)


def all_schemas() -> dict[str, dict[str, Any]]:
    return {name: json_schema(topic) for name, topic in TOPICS.items()}
