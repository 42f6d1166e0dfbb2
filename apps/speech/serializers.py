from typing import Any

from rest_framework import serializers

from apps.core.serializers import FastOutput
from apps.jobs import selectors as jobs
from apps.speech.models import Narration, Transcription


class TranscriptionInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    language = serializers.CharField(
        max_length=8, required=False, allow_blank=True, default="", help_text="e.g. en; empty: detect"
    )
    word_timestamps = serializers.BooleanField(required=False, default=False)


class ProgressOutput(serializers.Serializer):
    done = serializers.IntegerField(help_text="seconds of audio (transcription) or batches (narration) done")
    total = serializers.IntegerField(allow_null=True)
    job_status = serializers.CharField()


def _progress(job_id: int | None) -> dict[str, Any] | None:
    info = jobs.job_get(job_id=job_id) if job_id else None
    if info is None:
        return None
    return {"done": info.progress_done, "total": info.progress_total, "job_status": info.status}


class TranscriptionOutput(FastOutput, serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Transcription
        fields = [
            "id",
            "title",
            "status",
            "original_name",
            "container",
            "codec",
            "size_bytes",
            "duration_seconds",
            "requested_language",
            "language",
            "language_probability",
            "word_timestamps",
            "model_name",
            "document_id",
            "document_error",
            "job_id",
            "progress",
            "error_code",
            "error",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_progress(self, transcription: Transcription) -> dict[str, Any] | None:
        return _progress(transcription.job_id)


class WordOutput(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()
    word = serializers.CharField()
    probability = serializers.FloatField()


class SegmentOutput(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    char_start = serializers.IntegerField(help_text="offset of the segment in `text`")
    char_end = serializers.IntegerField()
    words = WordOutput(many=True, required=False)


class TranscriptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField()
    duration_seconds = serializers.FloatField()
    text = serializers.CharField()
    segments = SegmentOutput(many=True)


class ChunkTimeOutput(serializers.Serializer):
    chunk_index = serializers.IntegerField(source="index")
    start = serializers.FloatField()
    end = serializers.FloatField()
    time_label = serializers.CharField(source="label", help_text="where a citation points, e.g. 12:34")


class NarrationInput(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    document_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    notes_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="the `id` of a document's notes"
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("text", "document_id", "notes_id") if attrs.get(name) not in (None, "")]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of text, document_id or notes_id.")
        return attrs


class NarrationOutput(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Narration
        fields = [
            "id",
            "title",
            "status",
            "source_type",
            "source_id",
            "document_id",
            "engine",
            "voice",
            "duration_seconds",
            "wav_bytes",
            "ogg_bytes",
            "job_id",
            "progress",
            "error_code",
            "error",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_progress(self, narration: Narration) -> dict[str, Any] | None:
        return _progress(narration.job_id)
