"""Queries read the read model only, scoped to the requesting learner."""

from datetime import datetime

from django.db.models import QuerySet

from apps.core.prepared import PreparedRead, Row
from apps.quizzes import read_cache
from apps.quizzes.models import AttemptResultView, AttemptView, ProgressView, QuestionView, QuizView, ReviewPolicy


def quiz_list(*, owner_id: int, document_id: int | None = None) -> QuerySet[QuizView]:
    quizzes = QuizView.objects.filter(owner_id=owner_id)
    return quizzes.filter(document_id=document_id) if document_id is not None else quizzes


def quiz_get(*, owner_id: int, quiz_id: int) -> QuizView | None:
    return QuizView.objects.filter(owner_id=owner_id, pk=quiz_id).first()


def quiz_questions(*, quiz: QuizView) -> QuerySet[QuestionView]:
    return QuestionView.objects.filter(quiz_id=quiz.quiz_id).order_by("position")


def attempt_list(*, owner_id: int, quiz_id: int) -> QuerySet[AttemptView]:
    return AttemptView.objects.filter(owner_id=owner_id, quiz_id=quiz_id).order_by("number")


def submitted_scores(*, owner_id: int) -> list[tuple[datetime, float, str]]:
    """The learner's scored attempts in submission order, each with its quiz's title: two queries."""
    titles = dict(QuizView.objects.filter(owner_id=owner_id).values_list("quiz_id", "title"))
    attempts = AttemptView.objects.filter(
        owner_id=owner_id, status="submitted", submitted_at__isnull=False, score__isnull=False
    ).order_by("submitted_at")
    return [(a.submitted_at, a.score, titles.get(a.quiz_id, "")) for a in attempts]  # type: ignore[misc]


def attempt_get(*, owner_id: int, attempt_id: int) -> AttemptView | None:
    return AttemptView.objects.filter(owner_id=owner_id, pk=attempt_id).first()


def may_review(*, quiz: QuizView, attempt: AttemptView) -> bool:
    """Whether the answers and feedback of a submitted attempt may be shown, by the quiz's review policy."""
    if attempt.status != "submitted" or quiz.review_policy == ReviewPolicy.NEVER:
        return False
    if quiz.review_policy == ReviewPolicy.AFTER_LAST_ATTEMPT and quiz.max_attempts:
        return quiz.attempts_submitted >= quiz.max_attempts
    return True


def attempt_feedback(*, quiz: QuizView, attempt: AttemptView) -> list[AttemptResultView] | None:
    if not may_review(quiz=quiz, attempt=attempt):
        return None
    return list(AttemptResultView.objects.filter(attempt_id=attempt.attempt_id).order_by("position"))


def progress_list(*, owner_id: int, document_id: int | None = None) -> QuerySet[ProgressView]:
    rows = ProgressView.objects.filter(owner_id=owner_id)
    return rows.filter(document_id=document_id) if document_id is not None else rows


def _quiz_of(*, owner_id: int, quiz_id: int) -> QuerySet[QuizView]:
    return QuizView.objects.filter(owner_id=owner_id, pk=quiz_id).order_by("pk")  # as first() orders


def _questions_of(*, quiz_id: int) -> QuerySet[QuestionView]:
    return QuestionView.objects.filter(quiz_id=quiz_id).order_by("position")


_PREPARED_QUIZ = PreparedRead(_quiz_of, values={"owner_id": int, "quiz_id": int})
_PREPARED_QUESTIONS = PreparedRead(_questions_of, values={"quiz_id": int})


def quiz_detail_rows(*, owner_id: int, quiz_id: int) -> tuple[Row, list[Row]] | None:
    """``quiz_get`` and ``quiz_questions`` as rows read by SQL compiled once per process (``apps.core.prepared``,
    ADR 0027), for the detail's output serializer; None if the quiz does not exist for the learner."""
    quizzes = _PREPARED_QUIZ.rows(limit=1, owner_id=owner_id, quiz_id=quiz_id)
    if not quizzes:
        return None
    return quizzes[0], _PREPARED_QUESTIONS.rows(quiz_id=quizzes[0].quiz_id)


# -- what learners read most, through the read cache (apps.quizzes.read_cache) -----------------------------


def quiz_get_cached(*, owner_id: int, quiz_id: int) -> QuizView | None:
    return read_cache.cached(owner_id, f"quiz:{quiz_id}", lambda: quiz_get(owner_id=owner_id, quiz_id=quiz_id))


def quiz_questions_cached(*, quiz: QuizView) -> list[QuestionView]:
    return read_cache.cached(quiz.owner_id, f"questions:{quiz.quiz_id}", lambda: list(quiz_questions(quiz=quiz)))


def quiz_detail_rows_cached(*, owner_id: int, quiz_id: int) -> tuple[Row, list[Row]] | None:
    return read_cache.cached(
        owner_id, f"quiz-detail:{quiz_id}", lambda: quiz_detail_rows(owner_id=owner_id, quiz_id=quiz_id)
    )


def attempt_list_cached(*, owner_id: int, quiz_id: int) -> list[AttemptView]:
    return read_cache.cached(
        owner_id, f"attempts:{quiz_id}", lambda: list(attempt_list(owner_id=owner_id, quiz_id=quiz_id))
    )


def progress_list_cached(*, owner_id: int, document_id: int | None = None) -> list[ProgressView]:
    return read_cache.cached(
        owner_id, f"progress:{document_id}", lambda: list(progress_list(owner_id=owner_id, document_id=document_id))
    )
