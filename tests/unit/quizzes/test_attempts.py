"""Attempts: start, answer, submit; limits, grading methods, review policy, progress; the read model."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from apps.quizzes.models import AttemptResultView, Question, QuestionView, QuizEvent
from apps.quizzes.projector import VIEW_MODELS
from eventbus.models import OutboxEvent
from tests.unit.quizzes.helpers import take

pytestmark = pytest.mark.django_db
Quiz = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(
    ("method", "grade"),
    [("highest", 1.0), ("average", 0.5), ("first", 0.0), ("last", 1.0)],
)
def test_grading_methods(auth_client: Any, ready_quiz: Quiz, method: str, grade: float) -> None:
    quiz = ready_quiz(grading_method=method)

    first = take(auth_client, quiz["id"], correct=False)
    second = take(auth_client, quiz["id"], correct=True)

    assert (first["score"], second["score"]) == (0.0, 1.0)
    view = auth_client.get(f"/api/v1/quizzes/{quiz['id']}/").json()
    assert (view["attempts_submitted"], view["grade"]) == (2, grade)


def test_no_attempt_past_the_limit(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz(max_attempts=1)
    take(auth_client, quiz["id"], correct=True)

    response = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/")

    assert (response.status_code, response.json()["error"]["code"]) == (409, "no_attempts_left")


def test_starting_again_returns_the_attempt_in_progress(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz()
    first = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/")

    again = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/")

    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, first.json()["id"])


def test_feedback_shows_the_source_passage_and_the_correct_answer(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz()

    result = take(auth_client, quiz["id"], correct=False)

    questions = {q.position: q for q in Question.objects.filter(quiz_id=quiz["id"])}
    assert result["score"] == 0.0
    for feedback in result["feedback"]:
        question = questions[feedback["position"]]
        assert feedback == {
            "position": question.position,
            "response": feedback["response"],
            "is_correct": False,
            "correct_answer": question.answer,
            "passage": question.passage,
            "page": question.page,
            "chunk": question.chunk,
        }


def test_review_policy_never_shows_only_the_score(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz(review_policy="never")

    result = take(auth_client, quiz["id"], correct=True)

    assert (result["score"], result["feedback"]) == (1.0, None)


def test_review_after_the_last_attempt(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz(review_policy="after_last_attempt", max_attempts=2)

    first = take(auth_client, quiz["id"], correct=False)
    second = take(auth_client, quiz["id"], correct=True)

    assert first["feedback"] is None
    assert second["feedback"] is not None
    assert auth_client.get(f"/api/v1/quiz-attempts/{first['id']}/").json()["feedback"] is not None


def test_answers_are_validated(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz(question_types=["multiple_choice"], question_count=2)
    attempt = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/").json()

    not_an_option = auth_client.put(
        f"/api/v1/quiz-attempts/{attempt['id']}/answers/1/", {"response": "x"}, format="json"
    )
    no_question = auth_client.put(
        f"/api/v1/quiz-attempts/{attempt['id']}/answers/99/", {"response": "x"}, format="json"
    )
    auth_client.post(f"/api/v1/quiz-attempts/{attempt['id']}/submit/")
    after_submit = auth_client.put(
        f"/api/v1/quiz-attempts/{attempt['id']}/answers/1/", {"response": "x"}, format="json"
    )

    assert (not_an_option.status_code, not_an_option.json()["error"]["code"]) == (400, "invalid_response")
    assert (no_question.status_code, no_question.json()["error"]["code"]) == (400, "invalid_position")
    assert (after_submit.status_code, after_submit.json()["error"]["code"]) == (409, "attempt_submitted")


def test_the_read_model_holds_no_correct_answer_before_submission(auth_client: Any, ready_quiz: Quiz) -> None:
    quiz = ready_quiz(question_count=6)
    attempt = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/").json()

    assert not hasattr(QuestionView, "answer")
    assert not AttemptResultView.objects.exists()
    generated = QuizEvent.objects.get(quiz_id=quiz["id"], type="quiz.generated").data
    assert all(set(q) == {"position", "type", "stem", "options"} for q in generated["questions"])
    assert auth_client.get(f"/api/v1/quiz-attempts/{attempt['id']}/").json()["feedback"] is None


def test_submission_publishes_the_score(auth_client: Any, ready_quiz: Quiz, user: Any) -> None:
    quiz = ready_quiz()

    result = take(auth_client, quiz["id"], correct=True)

    assert OutboxEvent.objects.get(topic="quiz.attempt.submitted").payload == {
        "attempt_id": result["id"],
        "quiz_id": quiz["id"],
        "owner_id": user.pk,
        "score": 1.0,
    }


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every read-model row, every column but the surrogate ``id`` of the tables keyed by (quiz or attempt,
    position) or (owner, document): a rebuild renumbers those, nothing else."""
    snapshot = {}
    for model in VIEW_MODELS:
        columns = [f.name for f in model._meta.fields if not (f.name == "id" and f.primary_key)]
        snapshot[model.__name__] = list(model.objects.order_by(*columns).values(*columns))
    return snapshot


def test_rebuild_read_models_reproduces_every_row(
    auth_client: Any,
    ready_quiz: Quiz,
    document_id: int,
    upload_document: Callable[..., int],
    client_for: Any,
    other_user: Any,
    make_quiz: Callable[..., Any],
) -> None:
    first = ready_quiz(grading_method="average")
    take(auth_client, first["id"], correct=False)
    take(auth_client, first["id"], correct=True)
    second = ready_quiz(question_types=["true_false"], review_policy="never")
    auth_client.post(f"/api/v1/quizzes/{second['id']}/attempts/")
    other = client_for(other_user)
    make_quiz(other, upload_document(other))
    before = _snapshot()
    assert all(before.values()), {name: len(rows) for name, rows in before.items()}

    call_command("rebuild_read_models", stdout=None)

    assert _snapshot() == before


def test_progress_per_document(
    auth_client: Any, ready_quiz: Quiz, document_id: int, upload_document: Callable[..., int]
) -> None:
    other_document = upload_document(auth_client, name="second.txt")
    quiz = ready_quiz(grading_method="highest")
    take(auth_client, quiz["id"], correct=False)
    ready_quiz()

    rows = auth_client.get("/api/v1/quiz-progress/").json()

    assert [
        (r["document_id"], r["quizzes"], r["quizzes_attempted"], r["attempts_submitted"], r["average_grade"])
        for r in rows
    ] == [(document_id, 2, 1, 1, 0.0)]
    assert auth_client.get(f"/api/v1/quiz-progress/?document={other_document}").json() == []
