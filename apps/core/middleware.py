"""Request ids, probe short-circuit, and one JSON error shape for errors raised outside DRF."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_prometheus import exports

from apps.core import health
from apps.core.errors import error_body
from apps.core.request_context import new_request_id, reset_request_id, set_request_id

logger = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"

API_PREFIX = "/api/"

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})


def is_cluster_request(request: HttpRequest) -> bool:
    """Did the request come in on the operations port (never routed by the ingress)?

    With ``OPS_PORT`` set, only requests to that port count, wherever they come from (behind a proxy the peer
    address says nothing). Without it (a single machine, ``make run``), requests from loopback peers do.
    """
    if settings.OPS_PORT:
        return request.META.get("SERVER_PORT") == str(settings.OPS_PORT)
    return request.META.get("REMOTE_ADDR") in LOOPBACK_ADDRESSES


def _healthz(request: HttpRequest) -> HttpResponse:
    status, body = health.liveness()
    return JsonResponse(body, status=status)


def _readyz(request: HttpRequest) -> HttpResponse:
    status, body = health.readiness() if is_cluster_request(request) else health.readiness_status()
    return JsonResponse(body, status=status)


def _metrics(request: HttpRequest) -> HttpResponse:
    if not is_cluster_request(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return exports.ExportToDjangoView(request)


_PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": _healthz,
    "/readyz": _readyz,
    "/metrics": _metrics,
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
    """Answers /healthz, /readyz and /metrics before host validation and the HTTPS redirect.

    The kubelet calls probes by pod IP over plain HTTP, which ``ALLOWED_HOSTS`` and
    ``SECURE_SSL_REDIRECT`` would reject. To the outside the probes say only ``ok`` or ``unavailable`` and
    /metrics does not exist; the named checks and the metrics are for the cluster (:func:`is_cluster_request`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = _PROBES.get(request.path.rstrip("/"))
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return probe(request)


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


class PageOnlyMiddleware:
    """Runs ``PAGE_MIDDLEWARE`` (sessions, CSRF, the session's user, messages) for every path but ``/api/``.

    The API authenticates with JWT only (``REST_FRAMEWORK``), so a session cookie, a CSRF token or a message
    never reaches an API view; those four layers cost an API request about a tenth of its CPU for nothing.
    Pages (the web app, the admin, the account pages) get them in the same order and with the same hooks as
    when listed in ``MIDDLEWARE`` directly: their ``process_view`` (the CSRF check) and ``process_exception``
    run through this class. ``tests/unit/core/test_page_middleware.py``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.utils.module_loading import import_string

        self.get_response = get_response
        handler = get_response
        self.inner: list[Any] = []
        for path in reversed(settings.PAGE_MIDDLEWARE):
            instance = import_string(path)(handler)
            self.inner.insert(0, instance)
            handler = instance
        self.pages = handler
        self._view_hooks = [m.process_view for m in self.inner if hasattr(m, "process_view")]
        self._exception_hooks = [m.process_exception for m in reversed(self.inner) if hasattr(m, "process_exception")]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return self.pages(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        for hook in self._view_hooks:
            response = hook(request, view, args, kwargs)
            if response is not None:
                return response
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        for hook in self._exception_hooks:
            response = hook(request, exception)
            if response is not None:
                return response
        return None
