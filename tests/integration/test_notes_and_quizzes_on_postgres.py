"""Notes and quizzes on real PostgreSQL (and whatever storage the services configured): the acceptance path,
the read model rebuilt from the event store, and erasure."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from apps.quizzes.models import Quiz, QuizEvent
from apps.quizzes.projector import VIEW_MODELS
from eventbus import publish
from tests.fixtures.documents import article_pdf
from tests.unit.quizzes.helpers import take

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _rows() -> dict[str, list[dict[str, Any]]]:
    snapshot = {}
    for model in VIEW_MODELS:
        columns = [f.name for f in model._meta.fields if not (f.name == "id" and f.primary_key)]
        snapshot[model.__name__] = list(model.objects.order_by(*columns).values(*columns))
    return snapshot


def test_notes_quiz_attempt_rebuild_and_erasure_on_postgres(
    auth_client: Any,
    user: Any,
    other_user: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    assert connection.vendor == "postgresql"
    settings.EVENTBUS_TRANSPORT = "inprocess"  # handlers run here, after commit
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            "/api/v1/documents/", {"file": SimpleUploadedFile("article.pdf", article_pdf())}, format="multipart"
        )
    document_id = response.json()["id"]
    notes = auth_client.get(f"/api/v1/documents/{document_id}/notes/").json()
    assert notes["status"] == "ready"
    assert notes["summary"]
    assert notes["glossary"]

    with django_capture_on_commit_callbacks(execute=True):
        quiz_id = auth_client.post(
            "/api/v1/quizzes/",
            {"document": document_id, "question_count": 10, "grading_method": "average"},
            format="json",
        ).json()["id"]
    quiz = auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()
    assert (quiz["status"], len(quiz["questions"])) == ("ready", 10)
    first = take(auth_client, quiz_id, correct=False)
    second = take(auth_client, quiz_id, correct=True)
    assert (first["score"], second["score"]) == (0.0, 1.0)
    assert auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()["grade"] == 0.5
    assert client_for(other_user).get(f"/api/v1/quizzes/{quiz_id}/").status_code == 404

    before = _rows()
    call_command("rebuild_read_models", stdout=None)
    assert _rows() == before

    with django_capture_on_commit_callbacks(execute=True):
        publish("user.deleted", {"user_id": user.pk})
    assert not Quiz.objects.exists()
    assert not QuizEvent.objects.exists()
    assert all(rows == [] for rows in _rows().values())
