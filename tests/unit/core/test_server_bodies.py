"""Request bodies reach Django untouched under the real ASGI server (daphne), so every 4xx has the error shape.

Twisted, under daphne, used to parse multipart bodies itself and answer one it could not parse (an empty
multipart message, as schemathesis sends) with a bare 400: no headers, no body, no request id.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from learning_platform import daphne_bodies
from tests.live_server import embedded_server

EMPTY_MULTIPART = b"--c637e12e--\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with embedded_server(Path(tmp_path_factory.mktemp("server-bodies"))) as base:
        yield base


def _post(url: str, body: bytes, content_type: str) -> urllib.error.HTTPError:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback URL built by the test
    return caught.value


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("documents/", 401, "not_authenticated"),  # the upload route reads multipart (after authentication)
        ("auth/token/refresh/", 415, "unsupported_media_type"),  # JSON-only routes refuse multipart
        ("auth/password-reset/", 415, "unsupported_media_type"),
    ],
    ids=["upload", "refresh", "password-reset"],
)
def test_an_empty_multipart_body_gets_the_json_error_shape(server: str, path: str, status: int, code: str) -> None:
    error = _post(f"{server}/api/v1/{path}", EMPTY_MULTIPART, "multipart/form-data; boundary=c637e12e")

    assert error.code == status
    assert error.headers["Content-Type"] == "application/json"
    assert error.headers["X-Request-ID"]
    assert json.loads(error.read())["error"]["code"] == code


def test_daphne_requests_no_longer_parse_form_bodies() -> None:
    from daphne import http_protocol

    assert daphne_bodies.install() is True

    assert http_protocol.WebRequest.leaves_body_to_application is True
