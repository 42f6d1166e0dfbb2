"""The one source of truth for every topic: name, partitioning, retention, replication and payload schema.
Who consumes a topic is not declared here: the ``@subscribe`` handlers in the code are the source of truth.

Topic creation (``manage.py kafka_topics``), the exported JSON Schemas and AsyncAPI document, the
deployment config (consumer autoscaling caps) and the Terraform topic definitions are generated from it.
Payloads carry ids and metadata, never a learner's content, so erasing a learner's rows erases them
everywhere.
"""

from dataclasses import dataclass, field
from typing import Any

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Field:
    type: str  # a JSON Schema type: "integer", "string", "number", "boolean", "array", "object"
    description: str = ""
    required: bool = True
    enum: tuple[str, ...] | None = None
    items: str | None = None  # item type for arrays
    format: str | None = None


@dataclass(frozen=True)
class PayloadSchema:
    """A payload version. Minor versions only add optional fields; consumers accept any minor of their major."""

    major: int
    minor: int
    fields: dict[str, Field]
    description: str = ""

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    retention_days: int
    key_field: str  # payload field whose value is the Kafka message key (keeps order per entity)
    schema: PayloadSchema
    produced_by: tuple[str, ...]
    #: Documentation only: groups the design plans to subscribe (docs/events.md lists them as "planned").
    #: Who consumes a topic is what the code declares with ``@subscribe`` (``eventbus.subscriptions``), never
    #: this list; a group that subscribes must leave it (``tests/unit/eventbus/test_registry.py``).
    planned_consumers: tuple[str, ...] = ()
    compression: str = "snappy"
    description: str = ""
    # Production replication; environments override through KAFKA_REPLICATION_FACTOR / KAFKA_MIN_INSYNC_REPLICAS.
    replication_factor: int = 3
    min_insync_replicas: int = 2
    extra_config: dict[str, str] = field(default_factory=dict)

    @property
    def retention_ms(self) -> int:
        return self.retention_days * DAY_MS

    @property
    def event_type(self) -> str:
        """The CloudEvents ``type`` attribute, reverse-DNS style and versioned by major."""
        return f"org.learningplatform.{self.name}.v{self.schema.major}"


_owner = Field("integer", "id of the learner who owns the subject")
_document = Field("integer", "document id")

TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in [
        Topic(
            "document.uploaded",
            3,
            7,
            "document_id",
            PayloadSchema(
                1,
                0,
                {
                    "document_id": _document,
                    "owner_id": _owner,
                    "media_type": Field("string", "detected media type of the upload"),
                    "size_bytes": Field("integer"),
                },
            ),
            produced_by=("documents",),
            planned_consumers=("saga",),
            description="A learner uploaded course material; extraction is due.",
        ),
        Topic(
            "document.processed",
            3,
            7,
            "document_id",
            PayloadSchema(
                1,
                0,
                {
                    "document_id": _document,
                    "owner_id": _owner,
                    "page_count": Field("integer"),
                    "chunk_count": Field("integer"),
                    "source_kind": Field("string", "pdf, docx, pptx, text, markdown, transcript", required=False),
                },
            ),
            produced_by=("documents",),
            planned_consumers=("notes", "chat", "analytics", "notifications", "saga"),
            description="Text was extracted and chunked; the document is ready to study from.",
        ),
        Topic(
            "document.deleted",
            3,
            7,
            "document_id",
            PayloadSchema(1, 0, {"document_id": _document, "owner_id": _owner}),
            produced_by=("documents",),
            planned_consumers=("notes", "quizzes", "chat", "speech", "analytics", "saga"),
            description="A document and its chunks were deleted; every app drops what it derived from it.",
        ),
        Topic(
            "notes.generated",
            3,
            7,
            "document_id",
            PayloadSchema(
                1,
                0,
                {
                    "notes_id": Field("integer"),
                    "document_id": _document,
                    "owner_id": _owner,
                    "section_count": Field("integer", required=False),
                },
            ),
            produced_by=("notes",),
            planned_consumers=("saga", "notifications", "analytics"),
            description="Study notes for a document are ready.",
        ),
        Topic(
            "quiz.requested",
            3,
            3,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "quiz_id": Field("integer"),
                    "document_id": _document,
                    "owner_id": _owner,
                    "question_count": Field("integer"),
                    "question_types": Field("array", items="string", required=False),
                },
            ),
            produced_by=("quizzes", "saga"),
            planned_consumers=("quizzes",),
            description="A quiz should be generated from a document.",
        ),
        Topic(
            "quiz.generated",
            3,
            7,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "quiz_id": Field("integer"),
                    "document_id": _document,
                    "owner_id": _owner,
                    "question_count": Field("integer"),
                },
            ),
            produced_by=("quizzes",),
            planned_consumers=("quizzes", "saga", "notifications", "analytics"),
            description="A quiz is ready to attempt.",
        ),
        Topic(
            "quiz.attempt.submitted",
            3,
            30,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "attempt_id": Field("integer"),
                    "quiz_id": Field("integer"),
                    "owner_id": _owner,
                    "score": Field("number", "fraction of the maximum, 0..1"),
                },
            ),
            produced_by=("quizzes",),
            planned_consumers=("quizzes", "analytics", "notifications"),
            description="A learner submitted a quiz attempt and it was graded.",
        ),
        Topic(
            "audio.transcription.requested",
            6,
            3,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "transcription_id": Field("integer"),
                    "owner_id": _owner,
                    "language": Field("string", required=False),
                },
            ),
            produced_by=("speech",),
            planned_consumers=("speech",),
            description="A recorded lecture should be transcribed.",
        ),
        Topic(
            "audio.transcription.completed",
            6,
            7,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "transcription_id": Field("integer"),
                    "owner_id": _owner,
                    "duration_seconds": Field("number"),
                    "segment_count": Field("integer"),
                },
            ),
            produced_by=("speech",),
            planned_consumers=("documents", "notifications", "analytics"),
            description="A transcript with timestamps is ready; documents turns it into a document.",
        ),
        Topic(
            "audio.generation.requested",
            6,
            3,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "narration_id": Field("integer"),
                    "owner_id": _owner,
                    "source_type": Field("string", enum=("notes", "document", "text")),
                    "source_id": Field("integer"),
                    "voice": Field("string", required=False),
                },
            ),
            produced_by=("speech",),
            planned_consumers=("speech",),
            description="Notes or a document should be read aloud.",
        ),
        Topic(
            "audio.generation.completed",
            6,
            7,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "narration_id": Field("integer"),
                    "owner_id": _owner,
                    "duration_seconds": Field("number"),
                },
            ),
            produced_by=("speech",),
            planned_consumers=("notifications", "analytics"),
            description="A narration is ready to play.",
        ),
        Topic(
            "chat.message",
            6,
            30,
            "session_id",
            PayloadSchema(
                1,
                0,
                {
                    "session_id": Field("integer"),
                    "message_id": Field("integer"),
                    "owner_id": _owner,
                    "role": Field("string", enum=("user", "assistant")),
                    "citation_count": Field("integer", required=False),
                },
            ),
            produced_by=("chat",),
            planned_consumers=("analytics",),
            description="A chat message was stored (ids only: the text stays in the database).",
        ),
        Topic(
            "pipeline.step.failed",
            3,
            14,
            "owner_id",
            PayloadSchema(
                1,
                0,
                {
                    "step": Field("string", "extraction, notes, quiz, transcription, narration, ..."),
                    "subject_type": Field("string"),
                    "subject_id": Field("integer"),
                    "owner_id": _owner,
                    "reason": Field("string", "a short machine-readable reason code"),
                    "attempts": Field("integer", required=False),
                },
            ),
            produced_by=("documents", "notes", "quizzes", "speech"),
            planned_consumers=("saga", "notifications"),
            description="A long job failed for good; the saga compensates and the learner is told.",
        ),
        Topic(
            "user.deleted",
            3,
            30,
            "user_id",
            PayloadSchema(1, 0, {"user_id": Field("integer")}),
            produced_by=("accounts",),
            planned_consumers=("notes", "quizzes", "chat", "speech", "analytics"),
            description="A learner's account was erased; every app deletes what it holds for them.",
        ),
        Topic(
            "eventbus.dead_letter",
            3,
            30,
            "group",
            PayloadSchema(
                1,
                0,
                {
                    "group": Field("string", "consumer group that gave up"),
                    "original_topic": Field("string"),
                    "original_event_id": Field("string"),
                    "attempts": Field("integer"),
                    "error": Field("string"),
                },
            ),
            produced_by=("eventbus",),
            planned_consumers=(),
            description="An event a consumer group failed to handle after its last retry.",
        ),
    ]
}


def get_topic(name: str) -> Topic:
    try:
        return TOPICS[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; register it in eventbus.registry") from None


def topic_as_dict(topic: Topic) -> dict[str, Any]:
    return {
        "name": topic.name,
        "partitions": topic.partitions,
        "retention_ms": topic.retention_ms,
        "replication_factor": topic.replication_factor,
        "min_insync_replicas": topic.min_insync_replicas,
        "compression": topic.compression,
        "key_field": topic.key_field,
        "schema_version": topic.schema.version,
    }
