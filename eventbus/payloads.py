"""The typed definition of every event payload: one ``TypedDict`` per topic and major version.

The JSON Schemas (``eventbus.schemas``), the AsyncAPI document and the event catalogue are generated from
these classes through :func:`payload_fields`; the registry (``eventbus.registry``) ties each class to its topic
and version. A payload is still a plain JSON object at run time: a producer may build it with the class
(``DocumentUploadedV1(document_id=..., ...)``) so mypy checks it, and a handler may ``cast`` ``event.payload``
to it.

How a field is written:

- ``int`` / ``float`` / ``str`` / ``bool`` -> JSON ``integer`` / ``number`` / ``string`` / ``boolean``;
  ``list[str]`` -> ``array`` of ``string``; ``Literal["a", "b"]`` -> ``string`` with ``enum``;
- ``Annotated[T, Doc("...")]`` adds the field's description;
- ``NotRequired[T]`` makes it optional: a new minor version only adds ``NotRequired`` fields (ADR 0003).
"""

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, TypedDict, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class Doc:
    """A field's description, carried by ``Annotated``."""

    description: str
    format: str | None = None


@dataclass(frozen=True, kw_only=True)
class Field:
    """One payload field as the schema generator sees it."""

    type: str  # a JSON Schema type: "integer", "string", "number", "boolean", "array", "object"
    description: str = ""
    required: bool = True
    enum: tuple[str, ...] | None = None
    items: str | None = None  # item type for arrays
    format: str | None = None


DocumentId = Annotated[int, Doc("document id")]
OwnerId = Annotated[int, Doc("id of the learner who owns the subject")]

_JSON_TYPES: dict[Any, str] = {int: "integer", float: "number", str: "string", bool: "boolean", dict: "object"}


def _json_type(annotation: Any, where: str) -> tuple[str, tuple[str, ...] | None, str | None]:
    """(JSON type, enum, item type) of a bare annotation."""
    origin = get_origin(annotation)
    if origin is Literal:
        values = get_args(annotation)
        if not all(isinstance(value, str) for value in values):
            raise TypeError(f"{where}: only string literals are supported")
        return "string", tuple(values), None
    if origin is list:
        (item,) = get_args(annotation)
        return "array", None, _json_type(item, where)[0]
    if origin is dict or annotation in _JSON_TYPES:
        return _JSON_TYPES[origin or annotation], None, None
    raise TypeError(f"{where}: no JSON type for {annotation!r}")


def payload_fields(payload: type) -> dict[str, Field]:
    """The fields of a payload ``TypedDict``, in declaration order."""
    hints = get_type_hints(payload, include_extras=True)
    optional = payload.__optional_keys__  # type: ignore[attr-defined]
    fields: dict[str, Field] = {}
    for name, hint in hints.items():
        where = f"{payload.__name__}.{name}"
        doc = Doc("")
        while get_origin(hint) in (Annotated, NotRequired, typing.Required):
            if get_origin(hint) is Annotated:
                doc = next((meta for meta in hint.__metadata__ if isinstance(meta, Doc)), doc)
            hint = get_args(hint)[0]
        if isinstance(hint, types.UnionType) or get_origin(hint) is typing.Union:
            raise TypeError(f"{where}: use NotRequired[...] for an optional field, not a union")
        json_type, enum, items = _json_type(hint, where)
        fields[name] = Field(
            type=json_type,
            description=doc.description,
            required=name not in optional,
            enum=enum,
            items=items,
            format=doc.format,
        )
    return fields


class DocumentUploadedV1(TypedDict):
    """Payload of ``document.uploaded`` v1.x."""

    document_id: DocumentId
    owner_id: OwnerId
    media_type: Annotated[str, Doc("detected media type of the upload")]
    size_bytes: int


class DocumentProcessedV1(TypedDict):
    """Payload of ``document.processed`` v1.x."""

    document_id: DocumentId
    owner_id: OwnerId
    page_count: int
    chunk_count: int
    source_kind: NotRequired[Annotated[str, Doc("pdf, docx, pptx, text, markdown, transcript")]]


class DocumentDeletedV1(TypedDict):
    """Payload of ``document.deleted`` v1.x."""

    document_id: DocumentId
    owner_id: OwnerId


class NotesGeneratedV1(TypedDict):
    """Payload of ``notes.generated`` v1.x."""

    notes_id: int
    document_id: DocumentId
    owner_id: OwnerId
    section_count: NotRequired[int]


class QuizRequestedV1(TypedDict):
    """Payload of ``quiz.requested`` v1.x."""

    quiz_id: int
    document_id: DocumentId
    owner_id: OwnerId
    question_count: int
    question_types: NotRequired[list[str]]


class QuizGeneratedV1(TypedDict):
    """Payload of ``quiz.generated`` v1.x."""

    quiz_id: int
    document_id: DocumentId
    owner_id: OwnerId
    question_count: int


class QuizAttemptSubmittedV1(TypedDict):
    """Payload of ``quiz.attempt.submitted`` v1.x."""

    attempt_id: int
    quiz_id: int
    owner_id: OwnerId
    score: Annotated[float, Doc("fraction of the maximum, 0..1")]


class AudioTranscriptionRequestedV1(TypedDict):
    """Payload of ``audio.transcription.requested`` v1.x."""

    transcription_id: int
    owner_id: OwnerId
    language: NotRequired[str]


class AudioTranscriptionCompletedV1(TypedDict):
    """Payload of ``audio.transcription.completed`` v1.x."""

    transcription_id: int
    owner_id: OwnerId
    duration_seconds: float
    segment_count: int


class AudioGenerationRequestedV1(TypedDict):
    """Payload of ``audio.generation.requested`` v1.x."""

    narration_id: int
    owner_id: OwnerId
    source_type: Literal["notes", "document", "text"]
    source_id: int
    voice: NotRequired[str]


class AudioGenerationCompletedV1(TypedDict):
    """Payload of ``audio.generation.completed`` v1.x."""

    narration_id: int
    owner_id: OwnerId
    duration_seconds: float


class ChatMessageV1(TypedDict):
    """Payload of ``chat.message`` v1.x."""

    session_id: int
    message_id: int
    owner_id: OwnerId
    role: Literal["user", "assistant"]
    citation_count: NotRequired[int]


class PipelineStepFailedV1(TypedDict):
    """Payload of ``pipeline.step.failed`` v1.x."""

    step: Annotated[str, Doc("extraction, notes, quiz, transcription, narration, ...")]
    subject_type: str
    subject_id: int
    owner_id: OwnerId
    reason: Annotated[str, Doc("a short machine-readable reason code")]
    attempts: NotRequired[int]


class UserDeletedV1(TypedDict):
    """Payload of ``user.deleted`` v1.x."""

    user_id: int


class EventbusDeadLetterV1(TypedDict):
    """Payload of ``eventbus.dead_letter`` v1.x."""

    group: Annotated[str, Doc("consumer group that gave up")]
    original_topic: str
    original_event_id: str
    attempts: int
    error: str
