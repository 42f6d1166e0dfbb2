"""What every upload view shares: the file held to its limit while it is parsed, even when no Content-Length
announced the body (chunked requests), and the declared length read safely. The ASGI body limit
(``apps.core.body_limit``) has already refused a body far over the route's limit before anything read it."""

from collections.abc import Callable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from rest_framework.request import Request
from rest_framework.serializers import Serializer

#: Room for the multipart envelope and the form fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an upload as soon as it passes ``limit`` bytes; the view then answers 413."""

    def __init__(self, request: Any = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def size_limited(request: Request, *, limit: int) -> UploadSizeLimit:
    """Puts a size limit first among the request's upload handlers (before its body is parsed)."""
    handler = UploadSizeLimit(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return handler


def declared_file_size(request: Request) -> int:
    """The body's announced length less the multipart envelope (0 when none or unreadable)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
    return max(0, length - MULTIPART_OVERHEAD)


def upload_validated(
    request: Request, *, serializer_class: type[Serializer], limit: int, check_size: Callable[[int], None]
) -> dict[str, Any]:
    """An upload view's input: ``check_size`` (which raises the app's own "too large" error) sees the declared
    length first, then what was received if the file passed ``limit`` while it was parsed; then the form is
    validated (a 400 for bad fields). Returns the validated data, its ``file`` included."""
    check_size(declared_file_size(request))
    held = size_limited(request, limit=limit)
    data = serializer_class(data=request.data)
    if held.exceeded:
        check_size(held.received)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)
