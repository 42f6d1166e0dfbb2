"""Bad quiz requests get clear 4xx answers and leave nothing behind."""

from collections.abc import Callable
from typing import Any

import pytest

from apps.documents.models import Document
from apps.quizzes.models import Quiz, QuizEvent, QuizView
from eventbus.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _nothing_made() -> None:
    assert not Quiz.objects.exists()
    assert not QuizEvent.objects.exists()
    assert not QuizView.objects.exists()
    assert not OutboxEvent.objects.filter(topic="quiz.requested").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"question_count": 0}, "question_count", id="zero-questions"),
        pytest.param({"question_count": 500}, "question_count", id="500-questions"),
        pytest.param({"question_types": ["essay"]}, "question_types", id="unknown-type"),
        pytest.param({"difficulty": "extreme"}, "difficulty", id="unknown-difficulty"),
        pytest.param({"grading_method": "median"}, "grading_method", id="unknown-grading"),
    ],
)
def test_invalid_fields_are_400(
    auth_client: Any, document_id: int, make_quiz: Callable[..., Any], fields: dict[str, Any], field: str
) -> None:
    response = make_quiz(auth_client, document_id, **fields)

    assert response.status_code == 400
    assert field in str(response.json())
    _nothing_made()


def test_an_unknown_document_is_404(auth_client: Any, make_quiz: Callable[..., Any], db: Any) -> None:
    response = make_quiz(auth_client, 999_999)

    assert (response.status_code, response.json()["error"]["code"]) == (404, "document_not_found")
    _nothing_made()


def test_another_learners_document_is_404(
    document_id: int, other_user: Any, client_for: Any, make_quiz: Callable[..., Any]
) -> None:
    response = make_quiz(client_for(other_user), document_id)

    assert (response.status_code, response.json()["error"]["code"]) == (404, "document_not_found")
    _nothing_made()


@pytest.mark.parametrize("status", ["processing", "failed", "uploaded"])
def test_a_document_not_processed_is_409(
    auth_client: Any, document_id: int, make_quiz: Callable[..., Any], status: str
) -> None:
    Document.objects.filter(pk=document_id).update(status=status)

    response = make_quiz(auth_client, document_id)

    assert (response.status_code, response.json()["error"]["code"]) == (409, "document_not_ready")
    assert response.json()["error"]["message"] == f"The document is {status}; quizzes need a processed document."
    _nothing_made()


def test_anonymous_is_401(api_client: Any, db: Any) -> None:
    assert api_client.post("/api/v1/quizzes/", {"document": 1}, format="json").status_code == 401
    assert api_client.get("/api/v1/quizzes/").status_code == 401
    assert api_client.get("/api/v1/quiz-progress/").status_code == 401


def test_a_request_publishes_quiz_requested_and_the_job_publishes_quiz_generated(
    auth_client: Any, document_id: int, make_quiz: Callable[..., Any], user: Any
) -> None:
    quiz_id = make_quiz(auth_client, document_id, question_count=3, question_types=["cloze"]).json()["id"]

    requested = OutboxEvent.objects.get(topic="quiz.requested").payload
    generated = OutboxEvent.objects.get(topic="quiz.generated").payload
    assert requested == {
        "quiz_id": quiz_id,
        "document_id": document_id,
        "owner_id": user.pk,
        "question_count": 3,
        "question_types": ["cloze"],
    }
    assert generated == {"quiz_id": quiz_id, "document_id": document_id, "owner_id": user.pk, "question_count": 3}
    quiz = auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()
    assert {q["type"] for q in quiz["questions"]} == {"cloze"}
    assert quiz["job_id"] is not None
    job = auth_client.get(f"/api/v1/jobs/{quiz['job_id']}/").json()
    assert (job["status"], job["progress_done"]) == ("succeeded", job["progress_total"])


def test_a_document_too_short_for_questions_fails_the_quiz_with_a_reason(
    auth_client: Any, upload_document: Callable[..., int], make_quiz: Callable[..., Any]
) -> None:
    document_id = upload_document(auth_client, b"Hello there. Short text only.", name="short.txt")

    quiz_id = make_quiz(auth_client, document_id).json()["id"]

    quiz = auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()
    assert (quiz["status"], quiz["failure_reason"]) == (
        "failed",
        "The document has too little prose to ask questions about.",
    )
    assert OutboxEvent.objects.filter(topic="pipeline.step.failed", payload__step="quiz").count() == 1


def test_an_llm_provider_that_is_not_configured_is_400(
    auth_client: Any, document_id: int, make_quiz: Callable[..., Any]
) -> None:
    response = make_quiz(auth_client, document_id, provider="openai")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "provider_not_configured")
    _nothing_made()


def test_an_unreachable_llm_server_leaves_an_offline_quiz(
    auth_client: Any, document_id: int, make_quiz: Callable[..., Any], settings: Any
) -> None:
    settings.GENERATION_LLM_BASE_URL, settings.GENERATION_LLM_MODEL = "http://127.0.0.1:9/v1", "m"
    settings.GENERATION_LLM_TIMEOUT = 1

    quiz_id = make_quiz(auth_client, document_id, provider="openai", question_count=3).json()["id"]

    quiz = auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()
    assert (quiz["status"], quiz["engine"], len(quiz["questions"])) == ("ready", "offline", 3)
