import uuid
from datetime import timedelta
from typing import Any, cast

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.documents.models import Chunk, Document, DocumentEvent, Page
from apps.jobs.models import Job
from apps.realtime.models import Push
from eventbus.models import DeadLetter, DeliveryRetry, OutboxEvent, ProcessedEvent
from eventbus.publishing import shard_of
from eventbus.registry import get_topic

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    display_name = factory.Faker("name")
    is_email_verified = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def make_user(**fields: Any) -> User:
    """A saved user (typed for mypy, which cannot see through factory_boy's metaclass)."""
    return cast(User, UserFactory(**fields))


# --- documents ----------------------------------------------------------------------------------------------


class DocumentFactory(factory.django.DjangoModelFactory[Document]):
    """A document created through its event stream (``uploaded``, and with ``processed=True`` the events of
    a finished extraction), so the projection, the history and ``rebuild_documents`` agree. No file is
    stored: tests of downloads upload a real file."""

    class Meta:
        model = Document

    owner = factory.SubFactory(UserFactory)
    processed = False  # popped by _create: not a column
    title = factory.Sequence(lambda n: f"Document {n}")
    course = ""
    tags = factory.LazyFunction(list)
    original_name = factory.LazyAttribute(lambda d: f"{d.title}.pdf")
    media_type = "application/pdf"
    source_kind = "pdf"
    size_bytes = 1024
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    storage_name = factory.LazyAttribute(lambda d: f"documents/{d.owner.pk}/factory-{d.sha256[-12:]}.pdf")
    page_count = 1

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Document:
        from apps.documents import lifecycle

        owner = kwargs.pop("owner")
        processed = kwargs.pop("processed")
        page_count = kwargs.pop("page_count")
        document = lifecycle.start_stream(owner_id=owner.pk, actor_id=owner.pk, data=kwargs)
        if processed:
            lifecycle.append(document, lifecycle.EXTRACTION_STARTED, {"job_id": None, "attempt": 1})
            lifecycle.append(document, lifecycle.PROCESSED, {"page_count": page_count, "chunk_count": 0})
        return document


class PageFactory(factory.django.DjangoModelFactory[Page]):
    class Meta:
        model = Page

    document = factory.SubFactory(DocumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = factory.LazyAttribute(lambda p: f"Page {p.number} of the notes on cell biology.")
    tables = factory.LazyFunction(list)
    has_tables = factory.LazyAttribute(lambda p: bool(p.tables))
    text_source = Page.TextSource.TEXT


class ChunkFactory(factory.django.DjangoModelFactory[Chunk]):
    """A chunk covering a whole page's text (create the page first, or give ``text`` and offsets)."""

    class Meta:
        model = Chunk

    document = factory.SubFactory(DocumentFactory)
    index = factory.Sequence(lambda n: n)
    page_number = 1
    text = "Mitochondria make ATP."
    char_start = 0
    char_end = factory.LazyAttribute(lambda c: len(c.text))


class DocumentEventFactory(factory.django.DjangoModelFactory[DocumentEvent]):
    """A raw stored event, e.g. of an old schema version (normal events come from ``lifecycle``)."""

    class Meta:
        model = DocumentEvent

    document_id = factory.Sequence(lambda n: n + 1)
    owner_id = factory.LazyAttribute(lambda e: make_user().pk)
    sequence = 1
    type = "uploaded"
    schema_version = 1
    data = factory.LazyFunction(dict)
    occurred_at = factory.LazyFunction(timezone.now)


def make_document(**fields: Any) -> Document:
    """A saved document (typed for mypy, like ``make_user``)."""
    return cast(Document, DocumentFactory(**fields))


# --- Factories of the non-documents models: jobs, realtime, the event bus (accounts: UserFactory above). ---------
# Build rows that the code itself could have written; prefer the services where a test is about behaviour.


class JobFactory(factory.django.DjangoModelFactory[Job]):
    """A queued job of a test kind (nothing is sent to a worker: the row only)."""

    class Meta:
        model = Job

    kind = "test.kind"
    owner = factory.SubFactory(UserFactory)
    subject_type = "document"
    subject_id = factory.Sequence(str)
    payload = factory.LazyFunction(dict)
    max_attempts = 3


class PushFactory(factory.django.DjangoModelFactory[Push]):
    class Meta:
        model = Push

    user = factory.SubFactory(UserFactory)
    type = "job.progress"
    data = factory.LazyFunction(lambda: {"job_id": 1, "status": "running"})


def _uploaded_payload(n: int) -> dict[str, Any]:
    return {"document_id": n + 1, "owner_id": 1, "media_type": "application/pdf", "size_bytes": 1024}


class OutboxEventFactory(factory.django.DjangoModelFactory[OutboxEvent]):
    """A pending ``document.uploaded`` outbox row, with the attributes ``publish`` would give it."""

    class Meta:
        model = OutboxEvent

    topic = "document.uploaded"
    payload = factory.Sequence(_uploaded_payload)
    key = factory.LazyAttribute(lambda row: str(row.payload[get_topic(row.topic).key_field]))
    shard = factory.LazyAttribute(lambda row: shard_of(row.key))
    type = factory.LazyAttribute(lambda row: get_topic(row.topic).event_type)
    source = "tests"
    subject = factory.LazyAttribute(lambda row: f"document/{row.payload['document_id']}")
    time = factory.LazyFunction(timezone.now)
    correlation_id = factory.LazyFunction(uuid.uuid4)
    schema_version = factory.LazyAttribute(lambda row: get_topic(row.topic).schema.version)


class ProcessedEventFactory(factory.django.DjangoModelFactory[ProcessedEvent]):
    class Meta:
        model = ProcessedEvent

    group = "documents"
    event_id = factory.LazyFunction(uuid.uuid4)
    topic = "document.uploaded"


class DeliveryRetryFactory(factory.django.DjangoModelFactory[DeliveryRetry]):
    class Meta:
        model = DeliveryRetry

    group = "documents"
    event_id = factory.LazyFunction(uuid.uuid4)
    attempts = 1
    next_attempt_at = factory.LazyFunction(lambda: timezone.now() + timedelta(seconds=30))
    last_error = "RuntimeError: down"


class DeadLetterFactory(factory.django.DjangoModelFactory[DeadLetter]):
    """A dead letter of a valid ``document.uploaded`` event (replayable)."""

    class Meta:
        model = DeadLetter
        exclude = ("event",)

    group = "documents"
    event = factory.LazyFunction(OutboxEventFactory.build)  # the event only, not a pending outbox row
    event_id = factory.LazyAttribute(lambda row: row.event.event_id)
    topic = factory.LazyAttribute(lambda row: row.event.topic)
    key = factory.LazyAttribute(lambda row: row.event.key)
    envelope = factory.LazyAttribute(lambda row: row.event.to_event().to_json())
    error = "RuntimeError: down"
    attempts = 3


def make_job(**fields: Any) -> Job:
    return cast(Job, JobFactory(**fields))


def make_outbox_event(**fields: Any) -> OutboxEvent:
    return cast(OutboxEvent, OutboxEventFactory(**fields))


def make_dead_letter(**fields: Any) -> DeadLetter:
    return cast(DeadLetter, DeadLetterFactory(**fields))
