"""Issue 8's upload limits on the real services: the body limit under daphne (inside the server, before it
buffers the body) and under uvicorn (the ASGI middleware, which sees the body as it streams in), and an
upload racing the account's erasure on PostgreSQL's row locks."""

import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F

from apps.accounts.services import user_erase
from apps.documents import services
from apps.documents.detection import UploadRejected
from apps.documents.models import Document
from tests.factories import make_document, make_user
from tests.integration.conftest import child_env
from tests.live_server import asgi_server

pytestmark = pytest.mark.integration

MB = 1024 * 1024


def _raw_post(base: str, path: str, *, headers: dict[str, str], body: Iterator[bytes]) -> tuple[int, dict[str, Any]]:
    """A POST over a bare socket: sends what ``body`` yields (stopping when the server has answered)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        sock.sendall(head.encode())
        try:
            for piece in body:
                sock.sendall(piece)
                if select.select([sock], [], [], 0)[0]:
                    break  # the server answered before the body was all sent
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while the body was still coming
        response = b""
        try:
            while chunk := sock.recv(65536):
                response += chunk
        except ConnectionResetError:
            pass  # closed with the rest of our body unread, after its answer
    status_line, _, rest = response.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload) if payload.startswith(b"{") else {}


def _blocks(total: int, block: int = MB) -> Iterator[bytes]:
    for start in range(0, total, block):
        yield b"x" * min(block, total - start)


def _chunked(total: int, block: int = 64 * 1024) -> Iterator[bytes]:
    for piece in _blocks(total, block):
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def test_daphne_refuses_a_declared_length_before_reading_the_body(live_platform: str) -> None:
    """Only the headers are sent: daphne would otherwise wait for (and buffer) all 400 MB first."""
    started = time.monotonic()
    headers = {"Content-Length": str(400 * MB), "Content-Type": "multipart/form-data; boundary=x"}

    status, body = _raw_post(live_platform, "/api/v1/documents/", headers=headers, body=iter(()))

    assert (status, body["error"]["code"]) == (413, "file_too_large")
    assert body["error"]["details"] == {"limit_bytes": settings.REQUEST_UPLOAD_MAX_BODY_BYTES}
    assert time.monotonic() - started < 10


def test_daphne_gives_other_routes_the_small_limit(live_platform: str) -> None:
    status, body = _raw_post(
        live_platform, "/api/v1/me/", headers={"Content-Length": str(2 * MB)}, body=_blocks(2 * MB)
    )

    assert (status, body["error"]["code"]) == (413, "request_too_large")
    assert body["error"]["details"] == {"limit_bytes": MB}


def test_daphne_cuts_off_a_chunked_body_at_the_limit(live_platform: str) -> None:
    status, body = _raw_post(
        live_platform, "/api/v1/me/", headers={"Transfer-Encoding": "chunked"}, body=_chunked(3 * MB)
    )

    assert (status, body["error"]["code"]) == (413, "request_too_large")


def test_daphne_still_serves_a_body_under_the_limit(live_platform: str) -> None:
    status, body = _raw_post(
        live_platform, "/api/v1/me/", headers={"Transfer-Encoding": "chunked"}, body=_chunked(100_000)
    )

    assert (status, body["error"]["code"]) == (401, "not_authenticated")


@pytest.fixture
def uvicorn_platform(postgres_url: str, transactional_db: Any, platform_data_dir: Any) -> Iterator[str]:
    """The same ASGI application under uvicorn, which hands the body to the application as it arrives."""
    env = {**child_env(), "DATA_DIR": str(platform_data_dir), "DJANGO_DEBUG": "false"}
    with asgi_server(env, server="uvicorn") as base:
        yield base


def test_a_streaming_server_refuses_a_declared_length_before_reading_the_body(uvicorn_platform: str) -> None:
    """Only the headers are sent: the 413 comes back although not one byte of the 400 MB body was."""
    started = time.monotonic()

    status, body = _raw_post(
        uvicorn_platform, "/api/v1/documents/", headers={"Content-Length": str(400 * MB)}, body=iter(())
    )

    assert (status, body["error"]["code"]) == (413, "file_too_large")
    assert time.monotonic() - started < 10


def test_a_streaming_server_cuts_off_a_chunked_body_at_the_limit(uvicorn_platform: str) -> None:
    status, body = _raw_post(
        uvicorn_platform, "/api/v1/me/", headers={"Transfer-Encoding": "chunked"}, body=_chunked(3 * MB)
    )

    assert (status, body["error"]["code"]) == (413, "request_too_large")


# --- an upload racing the erasure of its account (PostgreSQL row locks) -------------------------------------


def _erase(user: Any) -> None:
    try:
        user_erase(user=user)
    finally:
        connection.close()


def _upload(owner_id: int) -> Any:
    try:
        return services.document_upload(
            owner_id=owner_id, file=ContentFile(b"late notes"), file_name="late.txt", size=10
        )
    except UploadRejected as rejected:
        return rejected
    finally:
        connection.close()


def _holder_then_eraser(
    *,
    holder: Callable[[], Any],
    held: threading.Event,
    eraser: Callable[[], Any],
    release: threading.Event,
    what: str,
) -> None:
    """Runs ``holder`` until it sets ``held``, then ``eraser``, which must wait for it; then lets the holder
    commit and waits for both."""
    holding = threading.Thread(target=holder)
    holding.start()
    assert held.wait(timeout=30)
    erasing = threading.Thread(target=eraser)
    erasing.start()
    erasing.join(timeout=2)
    assert erasing.is_alive(), f"the erasure must wait for {what}"
    release.set()
    holding.join(timeout=30)
    erasing.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_an_upload_waiting_on_an_erasure_in_progress_is_refused(postgres_url: str, settings: Any) -> None:
    settings.EVENTBUS_TRANSPORT = "inprocess"
    user = make_user()
    outcome: list[Any] = []
    with transaction.atomic():
        user_erase(user=user)  # holds the user's row until this block commits
        uploader = threading.Thread(target=lambda: outcome.append(_upload(user.pk)))
        uploader.start()
        uploader.join(timeout=2)
        assert uploader.is_alive(), "the upload must wait for the erasure's lock"
    uploader.join(timeout=30)

    assert isinstance(outcome[0], UploadRejected)
    assert outcome[0].code == "account_closed"
    assert not Document.objects.filter(owner_id=user.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_upload_that_holds_the_lock_first_is_erased_with_the_account(
    postgres_url: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.documents import lifecycle

    settings.EVENTBUS_TRANSPORT = "inprocess"
    user = make_user()
    locked, release = threading.Event(), threading.Event()
    real_start = lifecycle.start_stream

    def start_then_wait(**kwargs: Any) -> Any:
        document = real_start(**kwargs)
        locked.set()
        release.wait(timeout=30)
        return document

    monkeypatch.setattr(lifecycle, "start_stream", start_then_wait)
    outcome: list[Any] = []
    _holder_then_eraser(
        holder=lambda: outcome.append(_upload(user.pk)),
        held=locked,
        eraser=lambda: _erase(user),
        release=release,
        what="the upload's lock",
    )

    assert isinstance(outcome[0], Document)  # committed before the erasure, then erased by user.deleted
    assert not Document.objects.filter(owner_id=user.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_chunks_committed_while_the_erasure_waits_are_erased_with_their_document(postgres_url: str) -> None:
    """An extraction batch that holds its document when the erasure starts commits first; the erasure then
    collects its chunks too (it used to delete the chunks it saw, wait, and fail on the document's foreign key
    with the new ones)."""
    from apps.documents.models import Chunk

    user = make_user()
    document = make_document(owner=user)
    inserted, commit = threading.Event(), threading.Event()

    def extraction_batch() -> None:
        try:
            with transaction.atomic():  # as an extraction batch does: lock the live document, then write
                Document.objects.filter(pk=document.pk).update(text_bytes=F("text_bytes") + 4)
                Chunk.objects.create(
                    document_id=document.pk, index=0, page_number=1, char_start=0, char_end=4, text="late"
                )
                inserted.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    errors: list[BaseException] = []

    def erase() -> None:
        try:
            services.documents_erase_owner(owner_id=user.pk)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    _holder_then_eraser(
        holder=extraction_batch, held=inserted, eraser=erase, release=commit, what="the batch that holds its document"
    )

    assert errors == []
    assert not Document.objects.filter(owner_id=user.pk).exists()
    assert not Chunk.objects.filter(document_id=document.pk).exists()
