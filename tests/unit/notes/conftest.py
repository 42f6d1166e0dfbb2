from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def upload(auth_client: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POSTs a file as the signed-in learner and runs what follows the commit (events, extraction job)."""

    def post(content: bytes, name: str = "notes.pdf", client: Any = None, **fields: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).post(
                "/api/v1/documents/",
                {"file": SimpleUploadedFile(name, content), **fields},
                format="multipart",
            )

    return post
