"""Request ids, probe short-circuit, and one JSON error shape for errors raised outside DRF."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.core import health
from apps.core.errors import error_body
from apps.core.request_context import new_request_id, reset_request_id, set_request_id

logger = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"

_PROBES: dict[str, Callable[[], tuple[int, dict[str, object]]]] = {
    "/healthz": health.liveness,
    "/readyz": health.readiness,
}


class RequestIdMiddleware:
    """Takes the caller's X-Request-ID or mints one; echoes it on the response and in every log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ProbeMiddleware:
    """Answers /healthz and /readyz before host validation and the HTTPS redirect.

    The kubelet calls probes by pod IP over plain HTTP, which ``ALLOWED_HOSTS`` and
    ``SECURE_SSL_REDIRECT`` would reject; the probes reveal nothing secret.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = _PROBES.get(request.path.rstrip("/"))
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        status, body = probe()
        return JsonResponse(body, status=status)


class JsonErrorMiddleware:
    """Turns Django's HTML 404/500 pages for API paths into the platform's JSON error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_api = request.path.startswith("/api/")
        is_json = response.get("Content-Type", "").startswith("application/json")
        if is_api and response.status_code >= 400 and not is_json:
            code = "not_found" if response.status_code == 404 else "error"
            message = "Not found." if response.status_code == 404 else response.reason_phrase
            return JsonResponse(error_body(code, message), status=response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        logger.exception("unhandled error", extra={"path": request.path})
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
