"""Acceptance (issue 11): from a real 15-page PDF, notes with citations and a 10-question mixed quiz whose
answers each stand in the cited passage; a learner takes it, submits, sees score and feedback; a second
learner sees nothing of it."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from apps.documents.models import Chunk, Document
from apps.generation.text import clean, normalise
from apps.quizzes.models import Question
from tests.fixtures.documents import article_pdf
from tests.unit.quizzes.helpers import answer_all

pytestmark = pytest.mark.django_db


def _stands_in(phrase: str, text: str) -> bool:
    return f" {normalise(phrase)} " in f" {normalise(clean(text))} "


def test_from_a_15_page_pdf_to_a_graded_attempt_and_nothing_for_another_learner(
    auth_client: Any,
    user: Any,
    upload_document: Callable[..., int],
    make_quiz: Callable[..., Any],
    other_user: Any,
    client_for: Any,
) -> None:
    document_id = upload_document(auth_client, article_pdf(), name="iwan-roberts.pdf")
    # The upload runs extraction, notes and the chat index eagerly: on a loaded machine that can outlast the
    # five-minute access token the client signed in with, so the learner signs in again, as a browser would.
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    assert Document.objects.get(pk=document_id).page_count == 15
    chunks = {c.index: c for c in Chunk.objects.filter(document_id=document_id)}

    notes = auth_client.get(f"/api/v1/documents/{document_id}/notes/").json()
    assert notes["status"] == "ready"
    assert len(notes["summary"]) >= 3
    assert notes["glossary"]
    assert notes["outline"]
    for item in notes["summary"] + notes["key_points"]:
        cited = chunks[item["citation"]["chunk"]]
        assert cited.page_number == item["citation"]["page"]
        assert _stands_in(item["text"], cited.text)

    response = make_quiz(auth_client, document_id, question_count=10)
    assert response.status_code == 202, response.json()
    quiz = auth_client.get(f"/api/v1/quizzes/{response.json()['id']}/").json()
    assert (quiz["status"], len(quiz["questions"]), quiz["engine"]) == ("ready", 10, "offline")
    assert len({q["type"] for q in quiz["questions"]}) >= 3
    assert all("answer" not in q for q in quiz["questions"])
    for question in Question.objects.filter(quiz_id=quiz["id"]):
        cited = chunks[question.chunk]
        assert cited.page_number == question.page
        assert _stands_in(question.passage, cited.text)
        if question.type in ("multiple_choice", "cloze"):
            assert _stands_in(question.answer, question.passage)
            assert not _stands_in(question.answer, question.stem)
        elif question.type == "short_answer":
            assert _stands_in(question.answer, question.passage)
        else:  # true/false: a true statement is the passage; a false one changes a fact of it, adds no "not"
            statement = question.stem.removeprefix("True or false? ")
            assert (normalise(statement) == normalise(question.passage)) == (question.answer == "True")
            assert (" not " in f" {statement} ") == (" not " in f" {question.passage} ")

    attempt = auth_client.post(f"/api/v1/quizzes/{quiz['id']}/attempts/").json()
    answer_all(auth_client, quiz["id"], attempt["id"], correct=True)
    result = auth_client.post(f"/api/v1/quiz-attempts/{attempt['id']}/submit/").json()
    assert (result["status"], result["score"]) == ("submitted", 1.0)
    assert len(result["feedback"]) == 10
    assert all(f["is_correct"] and f["passage"] and f["page"] >= 1 for f in result["feedback"])
    progress = auth_client.get(f"/api/v1/quiz-progress/?document={document_id}").json()
    assert progress[0] | {"last_submitted_at": None} == {
        "document_id": document_id,
        "quizzes": 1,
        "quizzes_attempted": 1,
        "attempts_submitted": 1,
        "average_grade": 1.0,
        "best_grade": 1.0,
        "last_submitted_at": None,
    }

    other = client_for(other_user)
    assert other.get(f"/api/v1/quizzes/{quiz['id']}/").status_code == 404
    assert other.get(f"/api/v1/quizzes/{quiz['id']}/attempts/").status_code == 404
    assert other.post(f"/api/v1/quizzes/{quiz['id']}/attempts/").status_code == 404
    assert other.get(f"/api/v1/quiz-attempts/{attempt['id']}/").status_code == 404
    assert other.post(f"/api/v1/quiz-attempts/{attempt['id']}/submit/").status_code == 404
    assert other.get("/api/v1/quizzes/").json()["results"] == []
    assert other.get("/api/v1/quiz-progress/").json() == []
    assert other.get(f"/api/v1/documents/{document_id}/notes/").status_code == 404
