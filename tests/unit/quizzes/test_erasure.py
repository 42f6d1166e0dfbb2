from collections.abc import Callable
from typing import Any

import pytest

from apps.quizzes.models import (
    Attempt,
    AttemptResultView,
    AttemptView,
    ProgressView,
    Question,
    QuestionView,
    Quiz,
    QuizEvent,
    QuizView,
)
from apps.quizzes.projector import VIEW_MODELS
from eventbus import publish
from tests.unit.quizzes.helpers import take

pytestmark = pytest.mark.django_db


def _left() -> dict[str, int]:
    counts = {m.__name__: m.objects.count() for m in (Quiz, Question, Attempt, QuizEvent, *VIEW_MODELS)}
    return {name: count for name, count in counts.items() if count}


def test_deleting_a_document_removes_its_quizzes_attempts_and_read_model(
    auth_client: Any, ready_quiz: Callable[..., dict[str, Any]], document_id: int, run_commits: Callable[..., Any]
) -> None:
    take(auth_client, ready_quiz()["id"], correct=True)

    assert run_commits(auth_client.delete, f"/api/v1/documents/{document_id}/").status_code == 204

    assert _left() == {}


def test_erasing_a_learner_removes_only_theirs(
    auth_client: Any,
    ready_quiz: Callable[..., dict[str, Any]],
    user: Any,
    other_user: Any,
    client_for: Any,
    upload_document: Callable[..., int],
    make_quiz: Callable[..., Any],
    run_commits: Callable[..., Any],
) -> None:
    take(auth_client, ready_quiz()["id"], correct=True)
    other = client_for(other_user)
    make_quiz(other, upload_document(other), question_count=2)

    run_commits(publish, "user.deleted", {"user_id": user.pk})

    assert set(Quiz.objects.values_list("owner_id", flat=True)) == {other_user.pk}
    assert set(QuizEvent.objects.values_list("owner_id", flat=True)) == {other_user.pk}
    other_quizzes = set(Quiz.objects.values_list("pk", flat=True))
    for model in (QuizView, AttemptView, ProgressView):
        assert set(model.objects.values_list("owner_id", flat=True)) <= {other_user.pk}, model.__name__
    assert set(QuestionView.objects.values_list("quiz_id", flat=True)) == other_quizzes
    assert not AttemptResultView.objects.exists()
