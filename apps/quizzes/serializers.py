from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.serializers import FastOutput
from apps.generation.types import DIFFICULTIES, QUESTION_TYPES
from apps.quizzes.models import (
    AttemptResultView,
    AttemptView,
    GradingMethod,
    ProgressView,
    QuestionView,
    QuizView,
    ReviewPolicy,
)
from apps.quizzes.services import MAX_QUESTIONS


class QuizRequestInput(serializers.Serializer):
    document = serializers.IntegerField(min_value=1)
    question_count = serializers.IntegerField(min_value=1, max_value=MAX_QUESTIONS, default=10)
    question_types = serializers.ListField(
        child=serializers.ChoiceField(choices=QUESTION_TYPES),
        required=False,
        default=list,
        max_length=4,
        help_text="empty: all four types in turn",
    )
    difficulty = serializers.ChoiceField(choices=DIFFICULTIES, default="medium")
    max_attempts = serializers.IntegerField(min_value=0, max_value=100, required=False, help_text="0: unlimited")
    grading_method = serializers.ChoiceField(choices=GradingMethod.choices, default=GradingMethod.HIGHEST)
    review_policy = serializers.ChoiceField(choices=ReviewPolicy.choices, default=ReviewPolicy.AFTER_SUBMIT)
    provider = serializers.ChoiceField(choices=["offline", "openai", "gguf"], required=False, default="")


class QuestionOutput(FastOutput, serializers.ModelSerializer):
    class Meta:
        model = QuestionView
        fields = ["position", "type", "stem", "options"]
        read_only_fields = fields


class QuizOutput(FastOutput, serializers.ModelSerializer):
    id = serializers.IntegerField(source="quiz_id")

    class Meta:
        model = QuizView
        fields = [
            "id",
            "document_id",
            "title",
            "status",
            "question_count",
            "question_types",
            "difficulty",
            "max_attempts",
            "grading_method",
            "review_policy",
            "engine",
            "job_id",
            "failure_reason",
            "attempts_submitted",
            "grade",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class QuizDetailOutput(QuizOutput):
    questions = serializers.SerializerMethodField()

    class Meta(QuizOutput.Meta):
        fields = [*QuizOutput.Meta.fields, "questions"]
        read_only_fields = fields

    @extend_schema_field(QuestionOutput(many=True))
    def get_questions(self, quiz: QuizView) -> list[dict[str, object]]:
        return QuestionOutput(self.context["questions"], many=True).data  # type: ignore[return-value]


class FeedbackOutput(serializers.ModelSerializer):
    class Meta:
        model = AttemptResultView
        fields = ["position", "response", "is_correct", "correct_answer", "passage", "page", "chunk"]
        read_only_fields = fields


class AttemptOutput(serializers.ModelSerializer):
    id = serializers.IntegerField(source="attempt_id")
    feedback = serializers.SerializerMethodField(help_text="per question, when the review policy allows; else null")

    class Meta:
        model = AttemptView
        fields = ["id", "quiz_id", "number", "status", "responses", "score", "started_at", "submitted_at", "feedback"]
        read_only_fields = fields

    @extend_schema_field(FeedbackOutput(many=True, allow_null=True))
    def get_feedback(self, attempt: AttemptView) -> list[dict[str, object]] | None:
        feedback = self.context.get("feedback")
        return None if feedback is None else FeedbackOutput(feedback, many=True).data  # type: ignore[return-value]


class AnswerInput(serializers.Serializer):
    response = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=True)


class ProgressFilterInput(serializers.Serializer):
    document = serializers.IntegerField(min_value=1, required=False)


class ProgressOutput(serializers.ModelSerializer):
    class Meta:
        model = ProgressView
        fields = [
            "document_id",
            "quizzes",
            "quizzes_attempted",
            "attempts_submitted",
            "average_grade",
            "best_grade",
            "last_submitted_at",
        ]
        read_only_fields = fields
