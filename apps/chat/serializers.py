from rest_framework import serializers

from apps.chat.models import ChatMessage, ChatSession
from apps.core.fields import StrictCharField
from apps.core.serializers import FastOutput


class SessionCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    document_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    course = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class SessionRenameInput(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)


class SessionOutput(FastOutput, serializers.ModelSerializer):
    class Meta:
        model = ChatSession
        fields = ["id", "title", "document_id", "course", "created_at", "updated_at"]


class ChatCitationOutput(serializers.Serializer):
    number = serializers.IntegerField()
    document_id = serializers.IntegerField()
    document_title = serializers.CharField()
    page = serializers.IntegerField()
    char_start = serializers.IntegerField()
    char_end = serializers.IntegerField()
    quote = serializers.CharField()


class MessageOutput(serializers.ModelSerializer):
    citations = ChatCitationOutput(many=True)

    class Meta:
        model = ChatMessage
        fields = ["id", "role", "text", "citations", "is_answered", "engine", "created_at"]
