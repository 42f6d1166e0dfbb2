"""Refuses oversized request bodies before anything reads them (an ASGI middleware around Django).

Django's ASGI handler copies the whole body into a temp file before any view, authentication or size
check runs, and the multipart parser copies it again. This middleware sits in front of it:

- a ``Content-Length`` above the route's limit is answered 413 at once, without reading the body;
- a body without a trustworthy length (chunked) is counted as it arrives and cut off at the limit, 413.

Upload routes (REQUEST_UPLOAD_PATHS) get REQUEST_UPLOAD_MAX_BODY_BYTES, every other route
REQUEST_MAX_BODY_BYTES. The answer is the platform's one JSON error shape.
"""

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from apps.core.errors import error_body
from apps.core.request_context import new_request_id, reset_request_id, set_request_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[..., Awaitable[None]]


class BodyTooLarge(Exception):
    """The body passed the route's limit while it was being read."""


def is_upload_path(path: str) -> bool:
    return any(re.match(pattern, path) for pattern in settings.REQUEST_UPLOAD_PATHS)


def body_limit_for(path: str) -> int:
    return int(settings.REQUEST_UPLOAD_MAX_BODY_BYTES if is_upload_path(path) else settings.REQUEST_MAX_BODY_BYTES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RequestBodyLimitMiddleware:
    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", ""))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:  # too late for a 413: the response is already under way
                raise
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    status, headers, payload = refusal(scope.get("path", ""), limit, _header(scope, b"x-request-id"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def refusal(path: str, limit: int, incoming_request_id: str | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 413 answer: (status, headers, JSON body in the platform's error shape)."""
    request_id = new_request_id(incoming_request_id)
    if is_upload_path(path):
        code, message = "file_too_large", f"The upload is larger than the limit of {_size(limit)}."
    else:
        code, message = "request_too_large", f"The request body is larger than the limit of {_size(limit)}."
    token = set_request_id(request_id)
    try:
        body = error_body(code, message, details={"limit_bytes": limit})
    finally:
        reset_request_id(token)
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close"),
        (b"x-request-id", request_id.encode()),
    ]
    return 413, headers, payload


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.1f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
