from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures.documents import CORPUS


@pytest.fixture
def page_for() -> Callable[[Any], Client]:
    """A browser-like client signed in to the pages (a Django session) as the given user."""

    def make(some_user: Any) -> Client:
        client = Client()
        client.force_login(some_user)
        return client

    return make


@pytest.fixture
def learner(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def browser(learner: Any, page_for: Callable[[Any], Client]) -> Client:
    return page_for(learner)


@pytest.fixture
def stranger(db: Any, page_for: Callable[[Any], Client]) -> Client:
    return page_for(UserFactory())


@pytest.fixture
def upload(run_commits: Callable[..., Any]) -> Callable[..., Any]:
    """Uploads through the page as the script does (XHR); the document is read at once (embedded jobs)."""

    def send(client: Client, content: bytes | None = None, name: str = "article.txt", **fields: str) -> Any:
        content = content if content is not None else (CORPUS / "norwich-city.txt").read_bytes()[:16000]
        return run_commits(
            client.post,
            "/documents/upload/",
            {"file": SimpleUploadedFile(name, content), **fields},
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )

    return send


@pytest.fixture
def document_id(browser: Client, upload: Callable[..., Any]) -> int:
    response = upload(browser)
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


__all__ = ["DEFAULT_PASSWORD"]
