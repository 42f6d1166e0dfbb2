from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from apps.notes import services
from apps.notes.models import Notes


@admin.register(Notes)
class NotesAdmin(admin.ModelAdmin[Notes]):
    list_display = ["id", "document_id", "document_title", "owner", "status", "engine", "fallbacks", "generated_at"]
    list_filter = ["status", "engine", "detail"]
    search_fields = ["document_title"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Notes._meta.fields if f.name not in ("id", "content")] + ["markdown"]
    exclude = ["content"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notes are written by the notes job

    @admin.display(description="notes (Markdown)")
    def markdown(self, notes: Notes) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", services.notes_markdown(notes=notes))
