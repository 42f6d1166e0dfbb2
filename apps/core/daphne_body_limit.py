"""The request body limit inside daphne, the web server: before it buffers a body, not after.

Daphne hands a request to the application only once Twisted has read the whole body (into memory below
100 KB, a temp file above) and, for ``multipart/form-data``, parsed it all into memory once more. So under
daphne the ASGI middleware (:mod:`apps.core.body_limit`) would only see an oversized body after the server
had stored it. This request class applies the same limits while the request arrives:

- a ``Content-Length`` above the path's limit is answered 413 as soon as the headers are in, unread;
- a chunked body is counted as it arrives and answered 413 when it passes the limit;
- Twisted's own multipart parsing (a full in-memory copy nobody uses: Django parses the body) is off.

It reaches into daphne (its ``WebRequest``, which its ``HTTPFactory`` names when it builds a connection) and
Twisted (the request path before the body: ``HTTPChannel._path``): tests over a real daphne process check
that both still hold (tests/integration/documents/test_limits_on_real_services.py).
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from apps.core.body_limit import body_limit_for, refusal


def _path(channel: Any) -> str | None:
    raw = getattr(channel, "_path", None)
    return urlsplit(raw).path.decode("latin-1") if isinstance(raw, bytes) else None


def _build_request_class() -> type:
    from daphne.http_protocol import WebRequest

    class BodyLimitedRequest(WebRequest):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["parsePOSTFormSubmission"] = False
            super().__init__(*args, **kwargs)
            self.body_limit: int | None = None
            self.body_seen = 0
            self.body_refused = False

        def gotLength(self, length: int | None) -> None:  # Twisted's name
            path = _path(self.channel)
            # Without the path (a Twisted change), the larger limit still bounds every body.
            self.body_limit = body_limit_for(path) if path is not None else _largest_limit()
            if length is not None and length > self.body_limit:
                self._refuse(path or "")
            super().gotLength(0 if self.body_refused else length)

        def handleContentChunk(self, data: bytes) -> None:  # Twisted's name
            if self.body_refused:
                return
            self.body_seen += len(data)
            if self.body_limit is not None and self.body_seen > self.body_limit:
                self._refuse(_path(self.channel) or "")
                return
            super().handleContentChunk(data)

        def process(self) -> Any:
            if self.body_refused:  # answered already: the application never sees this request
                return None
            return super().process()

        def _refuse(self, path: str) -> None:
            self.body_refused = True
            incoming = self.requestHeaders.getRawHeaders(b"x-request-id", [b""])[0].decode("latin-1")
            status, headers, payload = refusal(path, self.body_limit or 0, incoming or None)
            head = b"HTTP/1.1 %d Payload Too Large\r\n" % status
            head += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
            self.channel.transport.write(head + b"\r\n" + payload)
            self.channel.loseConnection()

    return BodyLimitedRequest


def _largest_limit() -> int:
    return max(int(settings.REQUEST_MAX_BODY_BYTES), int(settings.REQUEST_UPLOAD_MAX_BODY_BYTES))


def install() -> None:
    """Makes daphne build its requests with the body limit (a no-op where daphne is not installed)."""
    try:
        from daphne import http_protocol
    except ImportError:
        return
    if getattr(http_protocol.WebRequest, "applies_body_limit", False):
        return
    request_class = _build_request_class()
    request_class.applies_body_limit = True  # type: ignore[attr-defined]
    http_protocol.WebRequest = request_class
