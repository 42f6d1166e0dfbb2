from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import FastOutput
from apps.documents.models import Chunk, Document, Page


class UploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    course = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list, max_length=20
    )


class DocumentFilterInput(serializers.Serializer):
    course = serializers.CharField(max_length=120, required=False)
    status = serializers.ChoiceField(choices=Document.Status.choices, required=False)


class DocumentOutput(FastOutput, serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "course",
            "tags",
            "original_name",
            "media_type",
            "source_kind",
            "size_bytes",
            "sha256",
            "status",
            "pages_done",
            "page_count",
            "chunk_count",
            "failure_code",
            "failure_reason",
            "extraction_job_id",
            "version",
            "created_at",
            "updated_at",
            "processed_at",
        ]
        read_only_fields = fields


class PageOutput(FastOutput, serializers.ModelSerializer):
    page_number = serializers.IntegerField(source="number")
    tables = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField(allow_blank=True))),
        help_text="ruled tables found on a PDF page, each a list of rows of cell strings (their text is also in "
        "`text`)",
    )

    class Meta:
        model = Page
        fields = ["page_number", "text", "text_source", "tables"]
        read_only_fields = fields


class PageFilterInput(serializers.Serializer):
    has_tables = serializers.BooleanField(required=False, default=False, help_text="only pages with tables")


_PAGE_NUMBERS = serializers.ListField(child=serializers.IntegerField())


class DocumentDetailOutput(DocumentOutput):
    """A document, which of its PDF pages hold tables (read them at ``pages/?has_tables=true``) and which were
    read by OCR (from the "pages" context entry: ``selectors.page_summary``)."""

    table_pages = serializers.SerializerMethodField()
    ocr_pages = serializers.SerializerMethodField()
    ocr_limit_pages = serializers.SerializerMethodField()

    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "table_pages", "ocr_pages", "ocr_limit_pages"]
        read_only_fields = fields

    def _pages(self, name: str) -> list[int]:
        summary = self.context.get("pages")
        return list(getattr(summary, name)) if summary else []

    @extend_schema_field(_PAGE_NUMBERS)
    def get_table_pages(self, document: Document) -> list[int]:
        """numbers of the PDF pages where ruled tables were found"""
        return self._pages("table_pages")

    @extend_schema_field(_PAGE_NUMBERS)
    def get_ocr_pages(self, document: Document) -> list[int]:
        """numbers of the PDF pages whose text was read by OCR (scanned pages)"""
        return self._pages("ocr_pages")

    @extend_schema_field(_PAGE_NUMBERS)
    def get_ocr_limit_pages(self, document: Document) -> list[int]:
        """numbers of the scanned pages left without text: past DOCUMENTS_OCR_MAX_PAGES"""
        return self._pages("ocr_limit_pages")


class EventOutput(serializers.Serializer):
    sequence = serializers.IntegerField()
    type = serializers.CharField()
    schema_version = serializers.IntegerField()
    data = serializers.DictField()  # type: ignore[assignment]  # the event's data, not Serializer.data
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)


class ChunkOutput(serializers.ModelSerializer):
    class Meta:
        model = Chunk
        fields = ["index", "page_number", "char_start", "char_end", "text"]
        read_only_fields = fields


class DownloadUrlOutput(serializers.Serializer):
    url = serializers.CharField()
    expires_in = serializers.IntegerField(allow_null=True)
