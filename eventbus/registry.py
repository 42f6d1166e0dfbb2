"""The one source of truth for every topic: name, partitioning, retention, replication and payload schema.
Who consumes a topic is not declared here: the ``@subscribe`` handlers in the code are the source of truth.

Topic creation (``manage.py kafka_topics``), the exported JSON Schemas and AsyncAPI document, the
deployment config (consumer autoscaling caps) and the Terraform topic definitions are generated from it.
Payloads carry ids and metadata, never a learner's content, so erasing a learner's rows erases them
everywhere.
"""

from dataclasses import dataclass, field
from functools import cached_property

from eventbus import payloads
from eventbus.payloads import Field, payload_fields

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, kw_only=True)
class PayloadSchema:
    """A payload version. Minor versions only add optional fields; consumers accept any minor of their major.

    ``payload`` is the typed definition (a ``TypedDict`` in ``eventbus.payloads``) the JSON Schema is generated from.
    """

    major: int
    minor: int
    payload: type

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"

    @cached_property
    def fields(self) -> dict[str, Field]:
        return payload_fields(self.payload)


@dataclass(frozen=True, kw_only=True)
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


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in [
        Topic(
            name="document.uploaded",
            partitions=3,
            retention_days=7,
            key_field="document_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.DocumentUploadedV1),
            produced_by=("documents",),
            planned_consumers=("saga",),
            description="A learner uploaded course material; extraction is due.",
        ),
        Topic(
            name="document.processed",
            partitions=3,
            retention_days=7,
            key_field="document_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.DocumentProcessedV1),
            produced_by=("documents",),
            planned_consumers=("analytics", "notifications", "saga"),
            description="Text was extracted and chunked; the document is ready to study from.",
        ),
        Topic(
            name="document.deleted",
            partitions=3,
            retention_days=7,
            key_field="document_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.DocumentDeletedV1),
            produced_by=("documents",),
            planned_consumers=("analytics", "saga"),
            description="A document and its chunks were deleted; every app drops what it derived from it.",
        ),
        Topic(
            name="notes.generated",
            partitions=3,
            retention_days=7,
            key_field="document_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.NotesGeneratedV1),
            produced_by=("notes",),
            planned_consumers=("saga", "notifications", "analytics"),
            description="Study notes for a document are ready.",
        ),
        Topic(
            name="quiz.requested",
            partitions=3,
            retention_days=3,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.QuizRequestedV1),
            produced_by=("quizzes", "saga"),
            description="A quiz should be generated from a document.",
        ),
        Topic(
            name="quiz.generated",
            partitions=3,
            retention_days=7,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.QuizGeneratedV1),
            produced_by=("quizzes",),
            planned_consumers=("saga", "notifications", "analytics"),
            description="A quiz is ready to attempt.",
        ),
        Topic(
            name="quiz.attempt.submitted",
            partitions=3,
            retention_days=30,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.QuizAttemptSubmittedV1),
            produced_by=("quizzes",),
            planned_consumers=("analytics", "notifications"),
            description="A learner submitted a quiz attempt and it was graded.",
        ),
        Topic(
            name="audio.transcription.requested",
            partitions=6,
            retention_days=3,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.AudioTranscriptionRequestedV1),
            produced_by=("speech",),
            description="A recorded lecture should be transcribed.",
        ),
        Topic(
            name="audio.transcription.completed",
            partitions=6,
            retention_days=7,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.AudioTranscriptionCompletedV1),
            produced_by=("speech",),
            planned_consumers=("notifications", "analytics"),
            description="A transcript with timestamps is ready; documents turns it into a document.",
        ),
        Topic(
            name="audio.generation.requested",
            partitions=6,
            retention_days=3,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.AudioGenerationRequestedV1),
            produced_by=("speech",),
            description="Notes or a document should be read aloud.",
        ),
        Topic(
            name="audio.generation.completed",
            partitions=6,
            retention_days=7,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.AudioGenerationCompletedV1),
            produced_by=("speech",),
            planned_consumers=("notifications", "analytics"),
            description="A narration is ready to play.",
        ),
        Topic(
            name="chat.message",
            partitions=6,
            retention_days=30,
            key_field="session_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.ChatMessageV1),
            produced_by=("chat",),
            planned_consumers=("analytics",),
            description="A chat message was stored (ids only: the text stays in the database).",
        ),
        Topic(
            name="pipeline.step.failed",
            partitions=3,
            retention_days=14,
            key_field="owner_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.PipelineStepFailedV1),
            produced_by=("documents", "notes", "quizzes", "speech"),
            planned_consumers=("saga", "notifications"),
            description="A long job failed for good; the saga compensates and the learner is told.",
        ),
        Topic(
            name="user.deleted",
            partitions=3,
            retention_days=30,
            key_field="user_id",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.UserDeletedV1),
            produced_by=("accounts",),
            planned_consumers=("analytics",),
            description="A learner's account was erased; every app deletes what it holds for them.",
        ),
        Topic(
            name="eventbus.dead_letter",
            partitions=3,
            retention_days=30,
            key_field="group",
            schema=PayloadSchema(major=1, minor=0, payload=payloads.EventbusDeadLetterV1),
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
