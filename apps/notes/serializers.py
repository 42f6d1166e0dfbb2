from rest_framework import serializers

from apps.core.serializers import FastOutput
from apps.notes.models import Notes
from apps.notes.services import PROVIDERS


class CitationOutput(serializers.Serializer):
    chunk = serializers.IntegerField(help_text="the chunk's index in the document")
    page = serializers.IntegerField()


class NoteItemOutput(serializers.Serializer):
    text = serializers.CharField()
    citation = CitationOutput()


class GlossaryOutput(serializers.Serializer):
    term = serializers.CharField()
    definition = serializers.CharField(help_text="the sentence that defines the term")
    citation = CitationOutput()


class OutlineOutput(serializers.Serializer):
    title = serializers.CharField()
    level = serializers.IntegerField()
    citation = CitationOutput()


class NotesOutput(FastOutput, serializers.ModelSerializer):
    summary = NoteItemOutput(many=True, source="content.summary", default=list)
    key_points = NoteItemOutput(many=True, source="content.key_points", default=list)
    glossary = GlossaryOutput(many=True, source="content.glossary", default=list)
    outline = OutlineOutput(many=True, source="content.outline", default=list)

    class Meta:
        model = Notes
        fields = [
            "id",
            "document_id",
            "status",
            "provider",
            "engine",
            "fallbacks",
            "detail",
            "job_id",
            "failure_reason",
            "generated_at",
            "summary",
            "key_points",
            "glossary",
            "outline",
        ]
        read_only_fields = fields


class RegenerateInput(serializers.Serializer):
    provider = serializers.ChoiceField(choices=PROVIDERS, required=False, default="")
    detail = serializers.ChoiceField(choices=Notes.Detail.choices, required=False, default=Notes.Detail.STANDARD)
