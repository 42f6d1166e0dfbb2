"""The quiz read model cache on real Redis: entries live in Redis (shared by every process), and a new
attempt is visible on the next read, never a stale one."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.fixtures.documents import CORPUS
from tests.integration.conftest import redis_cache
from tests.unit.quizzes.helpers import answer_all

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_read_cache(settings: Any, redis_url: str) -> Any:
    settings.QUIZ_READ_CACHE = True
    settings.QUIZ_READ_CACHE_ALIAS = "quizzes"
    with redis_cache(settings, redis_url, "quizzes") as cache:
        yield cache


def test_a_new_attempt_is_read_at_once_through_redis(
    auth_client: Any, user: Any, django_capture_on_commit_callbacks: Any, settings: Any, redis_read_cache: Any
) -> None:
    client, prefix = redis_read_cache
    settings.EVENTBUS_TRANSPORT = "inprocess"
    with django_capture_on_commit_callbacks(execute=True):
        document = auth_client.post(
            "/api/v1/documents/",
            {"file": SimpleUploadedFile("article.txt", (CORPUS / "norwich-city.txt").read_bytes()[:16000])},
            format="multipart",
        ).json()
    with django_capture_on_commit_callbacks(execute=True):
        quiz = auth_client.post("/api/v1/quizzes/", {"document": document["id"], "question_count": 4}, format="json")
    quiz_id = quiz.json()["id"]
    attempts_url = f"/api/v1/quizzes/{quiz_id}/attempts/"
    assert auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()["status"] == "ready"
    assert auth_client.get(attempts_url).json() == []
    stored = [key.decode() for key in client.scan_iter(f"{prefix}:*")]
    assert any(f"quizzes:rm:{user.pk}:" in key and key.endswith(f"attempts:{quiz_id}") for key in stored)

    with django_capture_on_commit_callbacks(execute=True):
        attempt = auth_client.post(attempts_url).json()
    assert [a["id"] for a in auth_client.get(attempts_url).json()] == [attempt["id"]]
    answer_all(auth_client, quiz_id, attempt["id"], correct=True)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(f"/api/v1/quiz-attempts/{attempt['id']}/submit/")

    assert [a["status"] for a in auth_client.get(attempts_url).json()] == ["submitted"]
    assert auth_client.get(f"/api/v1/quizzes/{quiz_id}/").json()["attempts_submitted"] == 1
    progress = auth_client.get(f"/api/v1/quiz-progress/?document={document['id']}").json()
    assert progress[0]["attempts_submitted"] == 1
