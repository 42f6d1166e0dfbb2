"""Per-request metrics in one middleware, on django-prometheus's own metric objects (ADR 0033).

django-prometheus's two middlewares record fifteen metric families per request (body sizes, charsets,
transports, templates, Ajax requests...), each through ``metric.labels(...)``, which validates and looks up the
labels under a lock on every call. Measured in-process, they cost an API read 15-25 % of its CPU
(``python -m bench.api.cpu``). What operators read from a web tier is rate, errors and duration; this
middleware records exactly those, under django-prometheus's names (same registry, same buckets), so
``/metrics``, scrapers and dashboards see the same series:

- ``django_http_requests_before_middlewares_total``, ``django_http_responses_before_middlewares_total``
- ``django_http_requests_latency_including_middlewares_seconds``
- ``django_http_requests_total_by_method{method}``
- ``django_http_responses_total_by_status{status}``
- ``django_http_responses_total_by_status_view_method{status,view,method}``
- ``django_http_requests_latency_seconds_by_view_method{view,method}``
- ``django_http_exceptions_total_by_type{type}``, ``django_http_exceptions_total_by_view{view}``

The labelled children are kept in a dict per label values (bounded: methods outside HTTP's are one value,
views come from the URL conf, statuses from HTTP). The other families are still registered, and stay at zero.
"""

from collections.abc import Callable
from timeit import default_timer
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_prometheus.middleware import Metrics

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"})
UNNAMED_VIEW = "<unnamed view>"
INVALID_METHOD = "<invalid method>"


class _Children:
    """One metric's labelled children, looked up once per label values."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = self.metric.labels(*values)
        return child


def _method(request: HttpRequest) -> str:
    method = request.method or ""
    return method if method in _METHODS else INVALID_METHOD


def _view(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or UNNAMED_VIEW) if match is not None else UNNAMED_VIEW


class RequestMetricsMiddleware:
    """Counts every request and response and times it, first in ``MIDDLEWARE``. With
    ``ExceptionMetricsMiddleware`` last, it replaces django-prometheus's ``PrometheusBeforeMiddleware`` and
    ``PrometheusAfterMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        metrics = Metrics.get_instance()
        self.requests_total = metrics.requests_total
        self.responses_total = metrics.responses_total
        self.latency_total = metrics.requests_latency_before
        self.by_method = _Children(metrics.requests_by_method)
        self.by_status = _Children(metrics.responses_by_status)
        self.by_status_view_method = _Children(metrics.responses_by_status_view_method)
        self.latency_by_view_method = _Children(metrics.requests_latency_by_view_method)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = default_timer()
        self.requests_total.inc()
        method = _method(request)
        self.by_method(method).inc()
        response = self.get_response(request)
        elapsed = default_timer() - started
        status, view = str(response.status_code), _view(request)
        self.by_status(status).inc()
        self.by_status_view_method(status, view, method).inc()
        self.latency_by_view_method(view, method).observe(elapsed)
        self.responses_total.inc()
        self.latency_total.observe(elapsed)
        return response


class ExceptionMetricsMiddleware:
    """Counts the exceptions a view raises, last in ``MIDDLEWARE``: its ``process_exception`` runs first, before
    ``JsonErrorMiddleware`` turns the exception into a response (which ends Django's exception hooks)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        metrics = Metrics.get_instance()
        self.by_type = _Children(metrics.exceptions_by_type)
        self.by_view = _Children(metrics.exceptions_by_view)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        self.by_type(type(exception).__name__).inc()
        self.by_view(_view(request)).inc()
