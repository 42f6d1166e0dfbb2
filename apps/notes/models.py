"""Study notes of a document: one row per document, rewritten when the learner asks to regenerate them."""

from django.conf import settings
from django.db import models


class Notes(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        READY = "ready"
        FAILED = "failed"

    class Detail(models.TextChoices):
        SHORT = "short"
        STANDARD = "standard"
        LONG = "long"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document_id = models.BigIntegerField(unique=True)
    document_title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=16, default="offline", help_text="the engine asked for")
    engine = models.CharField(max_length=120, blank=True, help_text="the engine that wrote the notes")
    fallbacks = models.PositiveIntegerField(default=0, help_text="page windows the offline engine wrote instead")
    detail = models.CharField(max_length=16, choices=Detail.choices, default=Detail.STANDARD)
    #: ``summary`` and ``key_points``: [{text, citation: {chunk, page}}]; ``glossary``: [{term, definition,
    #: citation}]; ``outline``: [{title, level, citation}].
    content = models.JSONField(default=dict, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "notes"

    def __str__(self) -> str:
        return f"notes of document {self.document_id} ({self.status})"
