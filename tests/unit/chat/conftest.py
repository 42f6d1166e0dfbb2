from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient


@pytest.fixture
def processed(client_for: Callable[[Any], APIClient], django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """Uploads a file as ``owner`` and runs everything that follows the commits: extraction, then
    ``document.processed`` and chat's indexing job. Returns the document id."""

    def upload(owner: Any, content: bytes, name: str, **fields: Any) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(owner).post(
                "/api/v1/documents/", {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
            )
        assert response.status_code == 201, response.json()
        return int(response.json()["id"])

    return upload
