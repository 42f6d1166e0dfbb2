from django.contrib import admin
from django.http import HttpRequest

from apps.speech.models import AudioUsage, Narration, Transcription


@admin.register(Transcription)
class TranscriptionAdmin(admin.ModelAdmin[Transcription]):
    list_display = ["id", "title", "owner", "status", "duration_seconds", "language", "model_name", "created_at"]
    list_filter = ["status", "language", "model_name"]
    search_fields = ["title", "original_name"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Transcription._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # transcriptions are created by uploads, with their events and quota


@admin.register(Narration)
class NarrationAdmin(admin.ModelAdmin[Narration]):
    list_display = ["id", "owner", "status", "source_type", "source_id", "duration_seconds", "created_at"]
    list_filter = ["status", "source_type", "engine"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Narration._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AudioUsage)
class AudioUsageAdmin(admin.ModelAdmin[AudioUsage]):
    list_display = ["owner", "month", "seconds"]
    raw_id_fields = ["owner"]
