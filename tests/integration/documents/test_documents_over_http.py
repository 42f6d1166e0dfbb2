"""Upload and download through the real ASGI server (daphne): multipart parsing, a spooled upload larger
than Django's in-memory limit, streamed download from S3, and 404 for another learner."""

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory
from tests.fixtures.documents import corpus

pytestmark = pytest.mark.integration


def _request(url: str, token: str, *, body: bytes | None = None, content_type: str = "") -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback URL from the test
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nTransport plan\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _token(user: Any) -> str:
    return str(RefreshToken.for_user(user).access_token)


def test_upload_and_download_through_the_real_server(live_platform: str, s3_endpoint: str) -> None:
    owner: Any = UserFactory()
    stranger: Any = UserFactory()
    content = corpus("chelsea_pdta.pdf")  # 2.9 MB: spooled to a temporary file, not held in memory
    body, content_type = _multipart("plan.pdf", content)

    status, created, _ = _request(
        f"{live_platform}/api/v1/documents/", _token(owner), body=body, content_type=content_type
    )

    assert status == 201, created
    document = json.loads(created)
    assert (document["title"], document["source_kind"], document["size_bytes"]) == (
        "Transport plan",
        "pdf",
        len(content),
    )
    file_url = f"{live_platform}/api/v1/documents/{document['id']}/file/"
    status, downloaded, headers = _request(file_url, _token(owner))
    assert (status, downloaded == content) == (200, True)
    assert headers["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, error, _ = _request(file_url, _token(stranger))
    assert (status, json.loads(error)["error"]["code"]) == (404, "not_found")
