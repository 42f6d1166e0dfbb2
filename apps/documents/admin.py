from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from apps.documents import lifecycle, services
from apps.documents.models import Document, DocumentEvent
from apps.jobs import selectors as jobs


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    list_display = ["id", "title", "owner", "source_kind", "status", "page_count", "chunk_count", "created_at"]
    list_filter = ["status", "source_kind"]
    search_fields = ["title", "original_name", "course"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Document._meta.fields if f.name != "id"] + ["history", "jobs"]
    actions = ["rerun_extraction"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # documents are created by uploads, with their events

    @admin.display(description="event history")
    def history(self, document: Document) -> str:
        rows = ((e.sequence, e.type, e.occurred_at, e.data) for e in lifecycle.events_of(document.pk))
        return format_html_join("\n", "<div>#{} <b>{}</b> {} <code>{}</code></div>", rows) or "-"

    @admin.display(description="jobs")
    def jobs(self, document: Document) -> str:
        rows = (
            (j.id, j.kind, j.status, j.attempts, j.max_attempts, j.error)
            for j in jobs.jobs_for_subject(subject_type="document", subject_id=document.pk)
        )
        return format_html_join("\n", "<div>#{} {} <b>{}</b> attempts {}/{} {}</div>", rows) or "-"

    # Re-running starts jobs and appends events: the action needs ``documents.change_document``.
    @admin.action(description="Re-run extraction", permissions=["change"])
    def rerun_extraction(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        started = 0
        for document in queryset.exclude(status=Document.Status.DELETED):
            job_id = services.document_request_extraction(
                document_id=document.pk, idempotency_key=None, actor_id=request.user.pk
            )
            started += job_id is not None
        self.message_user(request, f"Extraction queued for {started} document(s).", messages.SUCCESS)


@admin.register(DocumentEvent)
class DocumentEventAdmin(admin.ModelAdmin[DocumentEvent]):
    """The append-only store: readable, never editable."""

    list_display = ["document_id", "sequence", "type", "schema_version", "occurred_at", "actor_id"]
    list_filter = ["type"]
    search_fields = ["document_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
