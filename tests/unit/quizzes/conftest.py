from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.fixtures.documents import CORPUS


@pytest.fixture
def upload_document(run_commits: Callable[..., Any]) -> Callable[..., int]:
    def upload(client: Any, content: bytes | None = None, name: str = "article.txt") -> int:
        content = content if content is not None else (CORPUS / "norwich-city.txt").read_bytes()[:16000]
        response = run_commits(
            client.post, "/api/v1/documents/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
        )
        assert response.status_code == 201, response.json()
        return int(response.json()["id"])

    return upload


@pytest.fixture
def document_id(auth_client: Any, upload_document: Callable[..., int]) -> int:
    return upload_document(auth_client)


@pytest.fixture
def make_quiz(run_commits: Callable[..., Any]) -> Callable[..., Any]:
    def make(client: Any, document: int, **fields: Any) -> Any:
        return run_commits(client.post, "/api/v1/quizzes/", {"document": document, **fields}, format="json")

    return make


@pytest.fixture
def ready_quiz(auth_client: Any, document_id: int, make_quiz: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        response = make_quiz(auth_client, document_id, **{"question_count": 4, **fields})
        assert response.status_code == 202, response.json()
        quiz = auth_client.get(f"/api/v1/quizzes/{response.json()['id']}/").json()
        assert quiz["status"] == "ready", quiz
        return dict(quiz)

    return make
