"""The event store of the document lifecycle, its projection (Document) and the extracted text.

``DocumentEvent`` rows are the truth: append-only, one sequence per document, written only through
``apps.documents.lifecycle``. ``Document`` is the current state folded from them (``manage.py
rebuild_documents`` recomputes it); ``Page`` and ``Chunk`` hold the extracted text, which is derived
data rebuilt by re-running extraction, not part of the event stream (events carry ids, never content).
"""

from django.conf import settings
from django.db import models


class Document(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded"
        PROCESSING = "processing"
        PROCESSED = "processed"
        FAILED = "failed"
        DELETED = "deleted"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    course = models.CharField(max_length=120, blank=True)
    tags = models.JSONField(default=list, blank=True)
    original_name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=120)
    source_kind = models.CharField(max_length=16)  # pdf, docx, pptx, text, markdown, transcript
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    pages_done = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    #: UTF-8 bytes of the extracted page text: counts against the learner's quota with ``size_bytes``.
    text_bytes = models.BigIntegerField(default=0)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    extraction_job_id = models.BigIntegerField(null=True, blank=True)
    #: Sequence number of the last event folded in: the optimistic-concurrency version.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["owner", "status", "-id"])]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk}, {self.status})"


class DocumentEvent(models.Model):
    """One immutable fact about a document. ``(document_id, sequence)`` is unique: two writers that read the
    same version cannot both append (optimistic concurrency)."""

    document_id = models.BigIntegerField()
    owner_id = models.BigIntegerField(db_index=True)
    sequence = models.PositiveIntegerField()
    type = models.CharField(max_length=64)
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["document_id", "sequence"]
        constraints = [models.UniqueConstraint(fields=["document_id", "sequence"], name="document_event_sequence")]

    def __str__(self) -> str:
        return f"document {self.document_id} #{self.sequence} {self.type}"


class Page(models.Model):
    """The cleaned text of one page (PDF), slide (PPTX) or section (DOCX, text).

    ``tables`` (PDF pages only, when DOCUMENTS_PDF_TABLES is on): the ruled tables pdfplumber found on the
    page, each a list of rows of cell strings, bounded per page; their text is also in ``text``.
    ``has_tables``: whether ``tables`` is not empty, kept in its own column so that listing the table pages
    of a document never loads the tables themselves.
    ``text_source``: ``text`` (the file's own text: a PDF's text layer, DOCX, PPTX, plain text), ``ocr`` (a
    scanned PDF page read by OCR) or ``ocr_limit`` (a scanned page past DOCUMENTS_OCR_MAX_PAGES: no text).
    """

    class TextSource(models.TextChoices):
        TEXT = "text"
        OCR = "ocr"
        OCR_LIMIT = "ocr_limit"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField()
    tables = models.JSONField(default=list, blank=True)
    has_tables = models.BooleanField(default=False)
    text_source = models.CharField(max_length=16, choices=TextSource.choices, default=TextSource.TEXT)

    class Meta:
        ordering = ["document_id", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_page_number")]

    def __str__(self) -> str:
        return f"document {self.document_id} page {self.number}"


class Chunk(models.Model):
    """A span of one page's text; ``char_start``/``char_end`` index into ``Page.text`` for citations."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    page_number = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["document_id", "index"]
        constraints = [models.UniqueConstraint(fields=["document", "index"], name="document_chunk_index")]

    def __str__(self) -> str:
        return f"document {self.document_id} chunk {self.index} (page {self.page_number})"
