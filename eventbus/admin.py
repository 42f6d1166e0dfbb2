"""Read-only views of the bus for staff: the outbox, dead letters and the ledger (fix through commands)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from eventbus.models import DeadLetter, OutboxEvent, ProcessedEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "key", "time", "sent_at", "attempts")
    list_filter = ("topic",)
    search_fields = ("=event_id", "=correlation_id", "key")
    date_hierarchy = "time"


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = ("id", "group", "topic", "event_id", "attempts", "created_at", "replayed_at")
    list_filter = ("group", "topic")
    search_fields = ("=event_id",)


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdmin):
    list_display = ("group", "event_id", "topic", "processed_at")
    list_filter = ("group", "topic")
    search_fields = ("=event_id",)
