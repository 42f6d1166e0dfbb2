"""The request body limit in front of Django (learning_platform.asgi): oversized bodies are refused with 413
and the one error shape before Django, authentication or the multipart parser reads them."""

import asyncio
import json
from typing import Any

import pytest

from learning_platform.asgi import application

UPLOAD = "/api/v1/documents/"
OTHER = "/api/v1/me/"  # any route but the upload route


class Client:
    """Drives the ASGI application by hand: which body chunks it read, and what it answered."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.read < len(self.chunks):
            self.read += 1
            return {
                "type": "http.request",
                "body": self.chunks[self.read - 1],
                "more_body": self.read < len(self.chunks),
            }
        await asyncio.sleep(3600)  # a client that sends nothing more
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def call(self, path: str, *, content_length: int | None) -> "Client":
        headers = [(b"content-type", b"application/json"), (b"host", b"testserver")]
        if content_length is not None:
            headers.append((b"content-length", str(content_length).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        asyncio.run(asyncio.wait_for(application(scope, self.receive, self.send), timeout=30))
        return self

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))

    @property
    def error(self) -> dict[str, Any]:
        body = b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        return dict(json.loads(body)["error"])


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    settings.REQUEST_UPLOAD_MAX_BODY_BYTES = 100_000


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    client = Client([b"x" * 1000] * 500).call(UPLOAD, content_length=500_000)

    assert (client.status, client.error["code"], client.read) == (413, "file_too_large", 0)
    assert client.error["details"] == {"limit_bytes": 100_000}
    assert client.error["request_id"]


def test_routes_other_than_uploads_get_the_small_limit() -> None:
    client = Client([b"{}" + b" " * 20_000]).call(OTHER, content_length=20_002)

    assert (client.status, client.error["code"], client.read) == (413, "request_too_large", 0)
    assert client.error["message"] == "The request body is larger than the limit of 9 KB."


@pytest.mark.django_db(transaction=True)
def test_a_body_between_the_two_limits_reaches_the_upload_route() -> None:
    client = Client([b"x" * 20_000]).call(UPLOAD, content_length=20_000)

    assert client.status == 401  # Django read it and authentication answered: not refused for its size


def test_a_body_without_a_length_is_cut_off_at_the_limit() -> None:
    client = Client([b"x" * 1000] * 500).call(OTHER, content_length=None)

    assert (client.status, client.error["code"]) == (413, "request_too_large")
    assert client.read == 11  # the chunk that passed 10,000 bytes, not the 500 chunks of the body


def test_a_body_longer_than_its_declared_length_is_cut_off() -> None:
    client = Client([b"x" * 1000] * 500).call(UPLOAD, content_length=50_000)

    assert (client.status, client.error["code"]) == (413, "file_too_large")
    assert client.read == 101


@pytest.mark.django_db(transaction=True)
def test_a_small_body_passes_untouched() -> None:
    client = Client([b'{"email": "a@example.com", "password": "wrong"}']).call(OTHER, content_length=47)

    assert client.status == 401
