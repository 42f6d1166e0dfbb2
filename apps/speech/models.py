"""Transcriptions of recorded lectures, narrations of text, and each learner's monthly audio usage."""

from django.conf import settings
from django.db import models


class Transcription(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=255, blank=True)
    #: What decoding found: container format and audio codec (e.g. "flac"/"flac", "mov,mp4,..."/"aac").
    container = models.CharField(max_length=64, blank=True)
    codec = models.CharField(max_length=32, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    storage_name = models.CharField(max_length=255, blank=True)
    duration_seconds = models.FloatField(default=0.0)
    #: Requested language ("" = the configured default or detection) and the one the model used or found.
    requested_language = models.CharField(max_length=16, blank=True)
    language = models.CharField(max_length=16, blank=True)
    language_probability = models.FloatField(null=True, blank=True)
    word_timestamps = models.BooleanField(default=False)
    model_name = models.CharField(max_length=64, blank=True)
    #: [{"start", "end", "text", "char_start", "char_end", "words"?: [{"start", "end", "word", "probability"}]}]
    #: char offsets are into ``text``, the transcript as handed to documents.
    segments = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    #: The learner's document made from the transcript (documents' id; no foreign key across contexts).
    document_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    document_error = models.CharField(max_length=500, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "-id"])]

    def __str__(self) -> str:
        return f"transcription #{self.pk} {self.title!r} ({self.status})"


class Narration(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        COMPLETED = "completed"
        FAILED = "failed"

    class Source(models.TextChoices):
        TEXT = "text"
        DOCUMENT = "document"
        NOTES = "notes"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    source_type = models.CharField(max_length=16, choices=Source.choices)
    #: The document (or notes) id read aloud; null for text.
    source_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    #: The document the text comes from: the document read aloud, or the one the notes were written from
    #: (deleting that document deletes the narration). Null for text.
    document_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    #: The text to read: the learner's text, or the notes' text when they were asked for (a document's text is
    #: read from its chunks by the job).
    text = models.TextField(blank=True)
    engine = models.CharField(max_length=32, blank=True)
    voice = models.CharField(max_length=64, blank=True)
    wav_storage_name = models.CharField(max_length=255, blank=True)
    ogg_storage_name = models.CharField(max_length=255, blank=True)
    wav_bytes = models.BigIntegerField(default=0)
    ogg_bytes = models.BigIntegerField(default=0)
    duration_seconds = models.FloatField(default=0.0)
    job_id = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "-id"])]

    def __str__(self) -> str:
        return f"narration #{self.pk} ({self.status})"


class AudioUsage(models.Model):
    """Seconds of audio a learner submitted for transcription in a month. Kept when a transcription is
    deleted (the compute was spent), dropped when the learner is erased."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="first day of the month (UTC)")
    seconds = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "month"], name="speech_usage_owner_month")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m}: {self.seconds:.0f} s"
