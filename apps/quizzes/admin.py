from django.contrib import admin
from django.http import HttpRequest

from apps.quizzes.models import Attempt, Question, Quiz, QuizEvent


class QuestionInline(admin.TabularInline[Question, Quiz]):
    model = Question
    extra = 0
    fields = ["position", "type", "stem", "options", "answer", "page", "chunk"]
    readonly_fields = ["position", "type", "stem", "options", "answer", "page", "chunk"]
    can_delete = False


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin[Quiz]):
    list_display = ["id", "title", "owner", "document_id", "status", "question_count", "engine", "created_at"]
    list_filter = ["status", "engine", "difficulty"]
    search_fields = ["title"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Quiz._meta.fields if f.name != "id"]
    inlines = [QuestionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # quizzes are created through the API, with their events


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin[Attempt]):
    list_display = ["id", "quiz", "owner", "number", "status", "score", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["owner", "quiz"]
    readonly_fields = [f.name for f in Attempt._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(QuizEvent)
class QuizEventAdmin(admin.ModelAdmin[QuizEvent]):
    list_display = ["id", "quiz_id", "owner_id", "type", "occurred_at"]
    list_filter = ["type"]
    readonly_fields = [f.name for f in QuizEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the event store is append-only, written by the services

    def has_change_permission(self, request: HttpRequest, obj: QuizEvent | None = None) -> bool:
        return False
