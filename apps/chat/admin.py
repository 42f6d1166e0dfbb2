"""Staff see chat sessions and their message counts; messages are the learner's text and are not shown."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.chat.models import ChatSession


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin[ChatSession]):
    list_display = ["id", "owner", "title", "document_id", "course", "message_count", "updated_at"]
    raw_id_fields = ["owner"]
    readonly_fields = ["owner", "title", "document_id", "course", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChatSession]:
        return super().get_queryset(request).annotate(messages_total=Count("messages"))

    @admin.display(description="messages", ordering="messages_total")
    def message_count(self, session: ChatSession) -> int:
        return int(getattr(session, "messages_total", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions are the learner's, created from the API

    def has_change_permission(self, request: HttpRequest, obj: ChatSession | None = None) -> bool:
        return False
