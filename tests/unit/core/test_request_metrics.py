"""The per-request metrics (``apps.core.metrics``, ADR 0033): django-prometheus's series, counted by one
middleware, exposed on /metrics."""

import pytest
from django.test import Client
from django.urls import path, resolve
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_request_is_counted_by_method_status_and_view_and_timed():
    view = resolve(ME).view_name
    before = {
        "requests": _sample("django_http_requests_before_middlewares_total"),
        "responses": _sample("django_http_responses_before_middlewares_total"),
        "method": _sample("django_http_requests_total_by_method_total", method="GET"),
        "status": _sample("django_http_responses_total_by_status_total", status="401"),
        "view": _sample(
            "django_http_responses_total_by_status_view_method_total", status="401", view=view, method="GET"
        ),
        "timed": _sample("django_http_requests_latency_seconds_by_view_method_count", view=view, method="GET"),
        "timed_all": _sample("django_http_requests_latency_including_middlewares_seconds_count"),
    }

    assert Client().get(ME).status_code == 401  # anonymous

    assert _sample("django_http_requests_before_middlewares_total") == before["requests"] + 1
    assert _sample("django_http_responses_before_middlewares_total") == before["responses"] + 1
    assert _sample("django_http_requests_total_by_method_total", method="GET") == before["method"] + 1
    assert _sample("django_http_responses_total_by_status_total", status="401") == before["status"] + 1
    counted = _sample("django_http_responses_total_by_status_view_method_total", status="401", view=view, method="GET")
    assert counted == before["view"] + 1
    timed = _sample("django_http_requests_latency_seconds_by_view_method_count", view=view, method="GET")
    assert timed == before["timed"] + 1
    assert _sample("django_http_requests_latency_including_middlewares_seconds_count") == before["timed_all"] + 1


def test_an_unknown_method_and_an_unrouted_path_keep_the_labels_bounded(client):
    before = _sample("django_http_requests_total_by_method_total", method="<invalid method>")
    unnamed = _sample(
        "django_http_responses_total_by_status_view_method_total",
        status="404",
        view="<unnamed view>",
        method="<invalid method>",
    )

    response = client.generic("BREW", "/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert _sample("django_http_requests_total_by_method_total", method="<invalid method>") == before + 1
    after = _sample(
        "django_http_responses_total_by_status_view_method_total",
        status="404",
        view="<unnamed view>",
        method="<invalid method>",
    )
    assert after == unnamed + 1


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/broken/", _broken, name="broken")]


@pytest.mark.urls(__name__)
def test_an_exception_in_a_view_is_counted_and_answered_as_json():
    before = _sample("django_http_exceptions_total_by_type_total", type="RuntimeError")
    by_view = _sample("django_http_exceptions_total_by_view_total", view="broken")
    answered = _sample(
        "django_http_responses_total_by_status_view_method_total", status="500", view="broken", method="GET"
    )

    response = Client(raise_request_exception=False).get("/api/broken/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert _sample("django_http_exceptions_total_by_type_total", type="RuntimeError") == before + 1
    assert _sample("django_http_exceptions_total_by_view_total", view="broken") == by_view + 1
    after = _sample(
        "django_http_responses_total_by_status_view_method_total", status="500", view="broken", method="GET"
    )
    assert after == answered + 1


def test_metrics_lists_the_series_by_their_django_prometheus_names(client):
    client.get("/healthz")

    body = client.get("/metrics").content.decode()

    for name in (
        "django_http_requests_before_middlewares_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
    ):
        assert name in body
