from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def _speech_settings(settings: Any) -> None:
    settings.SPEECH_WHISPER_THREADS = 2
    settings.SPEECH_WHISPER_MODEL = ""
    settings.SPEECH_WHISPER_BEAM_SIZE = 1  # greedy decoding keeps the unit tests quick


@pytest.fixture
def transcribe(auth_client: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POSTs a recording as the signed-in learner and runs what follows the commit (event, job)."""

    def post(content: bytes, name: str = "lecture.flac", client: Any = None, **fields: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).post(
                "/api/v1/transcriptions/", {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
            )

    return post


@pytest.fixture
def narrate(auth_client: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    def post(client: Any = None, **fields: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).post("/api/v1/narrations/", fields, format="json")

    return post


@pytest.fixture
def upload_document(auth_client: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POSTs a document as the signed-in learner and runs what follows (extraction, then its notes job)."""

    def post(content: bytes, name: str, client: Any = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).post(
                "/api/v1/documents/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
            )

    return post
