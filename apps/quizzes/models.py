"""Quizzes with CQRS.

Write model (``Quiz``, ``Question``, ``Attempt``): what commands change; it holds the correct answers.
Event store (``QuizEvent``): every change as an append-only fact, written in the same transaction. Read model
(``*View``): denormalised tables the projector builds from the events and every query reads; it never holds
a correct answer before the attempt that reveals it is submitted. ``manage.py rebuild_read_models`` drops the
read model and replays the event store.
"""

from django.conf import settings
from django.db import models


class GradingMethod(models.TextChoices):
    HIGHEST = "highest"
    AVERAGE = "average"
    FIRST = "first"
    LAST = "last"


class ReviewPolicy(models.TextChoices):
    AFTER_SUBMIT = "after_submit", "answers and feedback right after each attempt"
    AFTER_LAST_ATTEMPT = "after_last_attempt", "once no attempt is left"
    NEVER = "never", "the score only"


class Quiz(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested"
        READY = "ready"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document_id = models.BigIntegerField(db_index=True)
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    question_count = models.PositiveSmallIntegerField()
    question_types = models.JSONField(default=list)
    difficulty = models.CharField(max_length=16, default="medium")
    max_attempts = models.PositiveSmallIntegerField(default=3, help_text="0: unlimited")
    grading_method = models.CharField(max_length=16, choices=GradingMethod.choices, default=GradingMethod.HIGHEST)
    review_policy = models.CharField(max_length=24, choices=ReviewPolicy.choices, default=ReviewPolicy.AFTER_SUBMIT)
    provider = models.CharField(max_length=16, default="offline")
    engine = models.CharField(max_length=120, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk}, {self.status})"


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=24)
    stem = models.TextField()
    options = models.JSONField(default=list, blank=True)
    answer = models.TextField()
    keywords = models.JSONField(default=list, blank=True)
    passage = models.TextField()
    chunk = models.PositiveIntegerField()
    page = models.PositiveIntegerField()

    class Meta:
        ordering = ["quiz_id", "position"]
        constraints = [models.UniqueConstraint(fields=["quiz", "position"], name="quiz_question_position")]

    def __str__(self) -> str:
        return f"quiz {self.quiz_id} question {self.position} ({self.type})"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress"
        SUBMITTED = "submitted"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    responses = models.JSONField(default=dict, blank=True)  # {position: response}
    score = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quiz_id", "number"]
        constraints = [models.UniqueConstraint(fields=["quiz", "number"], name="quiz_attempt_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of quiz {self.quiz_id} ({self.status})"


class QuizEvent(models.Model):
    """The event store the read model is built from (the bus's outbox is pruned after delivery)."""

    quiz_id = models.BigIntegerField(db_index=True)
    owner_id = models.BigIntegerField(db_index=True)
    document_id = models.BigIntegerField(db_index=True)
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"quiz {self.quiz_id} {self.type} #{self.pk}"


# -- read model: written only by apps.quizzes.projector ------------------------------------------------------


class QuizView(models.Model):
    quiz_id = models.BigIntegerField(primary_key=True)
    owner_id = models.BigIntegerField(db_index=True)
    document_id = models.BigIntegerField(db_index=True)
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=16)
    question_count = models.PositiveSmallIntegerField()
    question_types = models.JSONField(default=list)
    difficulty = models.CharField(max_length=16)
    max_attempts = models.PositiveSmallIntegerField()
    grading_method = models.CharField(max_length=16)
    review_policy = models.CharField(max_length=24)
    engine = models.CharField(max_length=120, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    attempts_submitted = models.PositiveSmallIntegerField(default=0)
    grade = models.FloatField(null=True, blank=True, help_text="by the grading method, over submitted attempts")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-quiz_id"]

    def __str__(self) -> str:
        return f"quiz view {self.quiz_id} ({self.status})"


class QuestionView(models.Model):
    """A question as the learner sees it while answering: no answer, no passage."""

    quiz_id = models.BigIntegerField(db_index=True)
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=24)
    stem = models.TextField()
    options = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["quiz_id", "position"]
        constraints = [models.UniqueConstraint(fields=["quiz_id", "position"], name="question_view_position")]

    def __str__(self) -> str:
        return f"quiz view {self.quiz_id} question {self.position}"


class AttemptView(models.Model):
    attempt_id = models.BigIntegerField(primary_key=True)
    quiz_id = models.BigIntegerField(db_index=True)
    owner_id = models.BigIntegerField(db_index=True)
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16)
    responses = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quiz_id", "number"]

    def __str__(self) -> str:
        return f"attempt view {self.attempt_id} ({self.status})"


class AttemptResultView(models.Model):
    """Per-question feedback of a submitted attempt (written at submission, never before)."""

    attempt_id = models.BigIntegerField(db_index=True)
    position = models.PositiveSmallIntegerField()
    response = models.TextField(blank=True)
    is_correct = models.BooleanField()
    correct_answer = models.TextField()
    passage = models.TextField()
    page = models.PositiveIntegerField()
    chunk = models.PositiveIntegerField()

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt_id", "position"], name="attempt_result_position")]

    def __str__(self) -> str:
        return f"attempt view {self.attempt_id} result {self.position}"


class ProgressView(models.Model):
    """A learner's progress on one document's quizzes."""

    owner_id = models.BigIntegerField()
    document_id = models.BigIntegerField()
    quizzes = models.PositiveIntegerField(default=0)
    quizzes_attempted = models.PositiveIntegerField(default=0)
    attempts_submitted = models.PositiveIntegerField(default=0)
    average_grade = models.FloatField(null=True, blank=True)
    best_grade = models.FloatField(null=True, blank=True)
    last_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["owner_id", "document_id"]
        constraints = [models.UniqueConstraint(fields=["owner_id", "document_id"], name="progress_owner_document")]

    def __str__(self) -> str:
        return f"progress of learner {self.owner_id} on document {self.document_id}"
