"""The outbox, the consumers' idempotency ledger and the dead letters."""

import uuid

from django.db import models

from eventbus.envelope import Event


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes; the source of every delivery.

    ``sent_at`` is set once the relay has the broker's acknowledgement (Kafka transport) or once every
    subscribed group has handled or dead-lettered it (in-process transport). ``shard`` is derived from the
    key so that relays that own different shards never send two events of one key out of order.
    """

    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=120)
    key = models.CharField(max_length=200)
    shard = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    subject = models.CharField(max_length=200, blank=True)
    time = models.DateTimeField()
    correlation_id = models.UUIDField()
    causation_id = models.UUIDField(null=True, blank=True)
    schema_version = models.CharField(max_length=20)
    payload = models.JSONField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay walks pending rows in id order and filters its shards (no sort of the whole backlog).
            models.Index(fields=["id"], name="outbox_pending", condition=models.Q(sent_at__isnull=True)),
            models.Index(
                fields=["topic", "key", "id"], name="outbox_pending_by_key", condition=models.Q(sent_at__isnull=True)
            ),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.event_id}"

    def to_event(self) -> Event:
        return Event(
            id=self.event_id,
            topic=self.topic,
            type=self.type,
            source=self.source,
            subject=self.subject,
            time=self.time,
            payload=self.payload,
            key=self.key,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            schema_version=self.schema_version,
        )


class ProcessedEvent(models.Model):
    """The idempotency ledger: a group handled this event (its effects committed with this row)."""

    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    topic = models.CharField(max_length=120)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "event_id"], name="ledger_group_event_unique")]
        indexes = [models.Index(fields=["processed_at"], name="ledger_processed_at")]

    def __str__(self) -> str:
        return f"{self.group} {self.event_id}"


class DeliveryRetry(models.Model):
    """In-process transport: a group's failed attempts at one event and when to try again."""

    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "event_id"], name="retry_group_event_unique")]

    def __str__(self) -> str:
        return f"{self.group} {self.event_id} x{self.attempts}"


class DeadLetter(models.Model):
    """An event a group gave up on after its last retry (or could not read). Replayable."""

    group = models.CharField(max_length=100)
    event_id = models.UUIDField()
    topic = models.CharField(max_length=120)
    key = models.CharField(max_length=200, blank=True)
    envelope = models.JSONField(help_text="attributes and data, CloudEvents structured mode")
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    kafka_partition = models.IntegerField(null=True, blank=True)
    kafka_offset = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "event_id"], name="dead_letter_group_event_unique")]
        indexes = [models.Index(fields=["created_at"], name="dead_letter_created_at")]

    def __str__(self) -> str:
        return f"{self.group} {self.topic} {self.event_id}"
