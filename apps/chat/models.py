"""Chat's own tables. Private to the app: other apps use its services and selectors (import-linter checks).

``IndexedChunk`` is derived data: a copy of a processed document's chunk with what retrieval needs (its
terms for BM25 and its MiniLM vector as 384 float32s), rebuilt by re-running the indexing job.
``LearnerIndex.revision`` changes whenever a learner's chunks change, so every process knows when its
in-memory copy of that learner's index is stale.
"""

from django.conf import settings
from django.db import models


class LearnerIndex(models.Model):
    owner_id = models.BigIntegerField(unique=True)
    revision = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"index of learner {self.owner_id} (revision {self.revision})"


class IndexedChunk(models.Model):
    owner_id = models.BigIntegerField()
    document_id = models.BigIntegerField()
    document_title = models.CharField(max_length=255)
    course = models.CharField(max_length=120, blank=True)
    chunk_index = models.PositiveIntegerField()
    page_number = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    text = models.TextField()
    terms = models.TextField()  # the BM25 terms, space separated (see apps.chat.text.terms)
    vector = models.BinaryField()  # float32, L2-normalised MiniLM embedding

    class Meta:
        indexes = [models.Index(fields=["owner_id", "document_id"])]
        constraints = [
            models.UniqueConstraint(fields=["document_id", "chunk_index"], name="chat_indexed_chunk_position")
        ]

    def __str__(self) -> str:
        return f"document {self.document_id} chunk {self.chunk_index}"


class ChatSession(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    #: Optional scope: answers come only from this document, or this course.
    document_id = models.BigIntegerField(null=True, blank=True)
    course = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"


class ChatMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    owner_id = models.BigIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    text = models.TextField()
    #: For answers: [{document_id, document_title, page, char_start, char_end, quote}], and whether found.
    citations = models.JSONField(default=list, blank=True)
    is_answered = models.BooleanField(default=True)
    #: For answers: who wrote it: ``offline`` (extractive), ``openai:<model>``/``gguf:<file>`` (generated and
    #: checked), or ``<provider>+offline`` (the provider was asked; the extractive answer stands instead).
    engine = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["session", "id"]), models.Index(fields=["owner_id", "role", "created_at"])]

    def __str__(self) -> str:
        return f"{self.role} message #{self.pk} in session {self.session_id}"
