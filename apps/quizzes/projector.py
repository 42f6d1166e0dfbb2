"""Builds the read model from the quiz event store. The only writer of the ``*View`` tables.

Every change is folded from the event alone plus read-model rows already built, with the event's own time,
so replaying the store (``rebuild``) gives the same rows as the live projection did.
"""

from collections.abc import Callable
from statistics import fmean

from django.db import transaction
from django.db.models import Max

from apps.quizzes import read_cache
from apps.quizzes.models import (
    AttemptResultView,
    AttemptView,
    GradingMethod,
    ProgressView,
    QuestionView,
    QuizEvent,
    QuizView,
)

QUIZ_REQUESTED = "quiz.requested"
GENERATION_STARTED = "quiz.generation_started"
QUIZ_GENERATED = "quiz.generated"
QUIZ_FAILED = "quiz.failed"
ATTEMPT_STARTED = "attempt.started"
ATTEMPT_ANSWERED = "attempt.answered"
ATTEMPT_SUBMITTED = "attempt.submitted"

VIEW_MODELS = (QuizView, QuestionView, AttemptView, AttemptResultView, ProgressView)


def _requested(event: QuizEvent) -> None:
    data = event.data
    QuizView.objects.create(
        quiz_id=event.quiz_id,
        owner_id=event.owner_id,
        document_id=event.document_id,
        title=data["title"],
        status="requested",
        question_count=data["question_count"],
        question_types=data["question_types"],
        difficulty=data["difficulty"],
        max_attempts=data["max_attempts"],
        grading_method=data["grading_method"],
        review_policy=data["review_policy"],
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )
    _progress(event)


def _generation_started(event: QuizEvent) -> None:
    QuizView.objects.filter(pk=event.quiz_id).update(job_id=event.data["job_id"], updated_at=event.occurred_at)


def _generated(event: QuizEvent) -> None:
    questions = event.data["questions"]
    QuestionView.objects.bulk_create(
        QuestionView(
            quiz_id=event.quiz_id, position=q["position"], type=q["type"], stem=q["stem"], options=q["options"]
        )
        for q in questions
    )
    QuizView.objects.filter(pk=event.quiz_id).update(
        status="ready", engine=event.data["engine"], question_count=len(questions), updated_at=event.occurred_at
    )


def _failed(event: QuizEvent) -> None:
    QuizView.objects.filter(pk=event.quiz_id).update(
        status="failed", failure_reason=event.data["reason"][:255], updated_at=event.occurred_at
    )


def _attempt_started(event: QuizEvent) -> None:
    AttemptView.objects.create(
        attempt_id=event.data["attempt_id"],
        quiz_id=event.quiz_id,
        owner_id=event.owner_id,
        number=event.data["number"],
        status="in_progress",
        started_at=event.occurred_at,
    )


def _attempt_answered(event: QuizEvent) -> None:
    attempt = AttemptView.objects.get(pk=event.data["attempt_id"])
    attempt.responses = {**attempt.responses, str(event.data["position"]): event.data["response"]}
    attempt.save(update_fields=["responses"])


def _attempt_submitted(event: QuizEvent) -> None:
    data = event.data
    AttemptView.objects.filter(pk=data["attempt_id"]).update(
        status="submitted", score=data["score"], submitted_at=event.occurred_at
    )
    AttemptResultView.objects.bulk_create(
        AttemptResultView(
            attempt_id=data["attempt_id"],
            position=r["position"],
            response=r["response"],
            is_correct=r["is_correct"],
            correct_answer=r["correct_answer"],
            passage=r["passage"],
            page=r["page"],
            chunk=r["chunk"],
        )
        for r in data["results"]
    )
    quiz = QuizView.objects.get(pk=event.quiz_id)
    scores = list(
        AttemptView.objects.filter(quiz_id=event.quiz_id, status="submitted")
        .order_by("number")
        .values_list("score", flat=True)
    )
    quiz.attempts_submitted = len(scores)
    quiz.grade = grade(quiz.grading_method, [s for s in scores if s is not None])
    quiz.updated_at = event.occurred_at
    quiz.save(update_fields=["attempts_submitted", "grade", "updated_at"])
    _progress(event)


def grade(method: str, scores: list[float]) -> float | None:
    """One grade from a quiz's attempt scores (in attempt order), by the quiz's grading method."""
    if not scores:
        return None
    if method == GradingMethod.HIGHEST:
        return max(scores)
    if method == GradingMethod.AVERAGE:
        return round(fmean(scores), 6)
    if method == GradingMethod.FIRST:
        return scores[0]
    return scores[-1]


def _progress(event: QuizEvent) -> None:
    quizzes = QuizView.objects.filter(owner_id=event.owner_id, document_id=event.document_id)
    grades = [g for g in quizzes.values_list("grade", flat=True) if g is not None]
    attempts = AttemptView.objects.filter(quiz_id__in=quizzes.values("quiz_id"), status="submitted")
    ProgressView.objects.update_or_create(
        owner_id=event.owner_id,
        document_id=event.document_id,
        defaults={
            "quizzes": quizzes.count(),
            "quizzes_attempted": quizzes.filter(attempts_submitted__gt=0).count(),
            "attempts_submitted": attempts.count(),
            "average_grade": round(fmean(grades), 6) if grades else None,
            "best_grade": max(grades) if grades else None,
            "last_submitted_at": attempts.aggregate(last=Max("submitted_at"))["last"],
        },
    )


_APPLY: dict[str, Callable[[QuizEvent], None]] = {
    QUIZ_REQUESTED: _requested,
    GENERATION_STARTED: _generation_started,
    QUIZ_GENERATED: _generated,
    QUIZ_FAILED: _failed,
    ATTEMPT_STARTED: _attempt_started,
    ATTEMPT_ANSWERED: _attempt_answered,
    ATTEMPT_SUBMITTED: _attempt_submitted,
}


def project(event: QuizEvent) -> None:
    _APPLY[event.type](event)
    read_cache.invalidate(event.owner_id)


def erase(*, quiz_ids: list[int], owner_id: int, document_ids: set[int]) -> None:
    attempts = AttemptView.objects.filter(quiz_id__in=quiz_ids)
    AttemptResultView.objects.filter(attempt_id__in=attempts.values("attempt_id")).delete()
    attempts.delete()
    QuestionView.objects.filter(quiz_id__in=quiz_ids).delete()
    QuizView.objects.filter(quiz_id__in=quiz_ids).delete()
    for document_id in document_ids:
        if QuizView.objects.filter(owner_id=owner_id, document_id=document_id).exists():
            continue
        ProgressView.objects.filter(owner_id=owner_id, document_id=document_id).delete()
    read_cache.invalidate(owner_id)


@transaction.atomic
def rebuild(batch: int = 1000) -> int:
    """Drops the read model and replays every stored event in order; returns the number of events."""
    for model in VIEW_MODELS:
        model.objects.all().delete()
    count = 0
    for event in QuizEvent.objects.order_by("id").iterator(chunk_size=batch):
        _APPLY[event.type](event)
        count += 1
    read_cache.invalidate_all()
    return count
