import pytest
from django.db import connection
from django.test import override_settings

from apps.core import health

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_without_touching_dependencies(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_dependency_by_name(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert set(body["checks"]) == {"database", "cache", "job_broker", "event_broker", "storage"}
    assert body["checks"]["database"]["status"] == "ok"


@override_settings(EVENTBUS_TRANSPORT="kafka", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
def test_broker_outage_degrades_but_stays_ready(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["event_broker"]["status"] == "degraded"
    assert "127.0.0.1:1" in body["checks"]["event_broker"]["error"]


def test_database_outage_makes_readyz_fail(client, monkeypatch):
    def broken() -> None:
        raise ConnectionError("database is gone")

    monkeypatch.setitem(health.REQUIRED, "database", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@override_settings(ALLOWED_HOSTS=["platform.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_answer_pod_ip_over_plain_http(client):
    live = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    ready = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    api = client.get("/api/v1/me/", HTTP_HOST="10.1.2.3:8000")

    assert live.status_code == 200
    assert ready.status_code == 200
    assert api.status_code == 400


def test_metrics_exposes_prometheus_text(client):
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert b"django_http_requests" in response.content


def test_sqlite_runs_in_wal_mode_with_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        timeout = cursor.fetchone()[0]

    assert mode in ("wal", "memory")  # the test database lives in memory, where WAL does not apply
    assert timeout == 20000


OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


@override_settings(EVENTBUS_TRANSPORT="kafka", KAFKA_BOOTSTRAP_SERVERS="kafka-1.internal:1")
def test_readyz_tells_an_outsider_the_status_only(client):
    response = client.get("/readyz", **OUTSIDER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert b"kafka-1.internal" not in response.content


def test_readyz_tells_an_outsider_unavailable_without_the_error(client, monkeypatch):
    def broken() -> None:
        raise ConnectionError("db-primary.internal:5432 refused")

    monkeypatch.setitem(health.REQUIRED, "database", broken)

    response = client.get("/readyz", **OUTSIDER)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_metrics_do_not_exist_for_an_outsider(client):
    response = client.get("/metrics", **OUTSIDER)

    assert response.status_code == 404
    assert b"django_http" not in response.content


@override_settings(OPS_PORT=9000)
def test_with_an_ops_port_only_that_port_gets_details_even_from_loopback(client):
    main_port = client.get("/readyz", SERVER_PORT="8000")
    ops_port = client.get("/readyz", SERVER_PORT="9000", **OUTSIDER)
    metrics_main = client.get("/metrics", SERVER_PORT="8000")
    metrics_ops = client.get("/metrics", SERVER_PORT="9000", **OUTSIDER)

    assert main_port.json() == {"status": "ok"}
    assert "checks" in ops_port.json()
    assert metrics_main.status_code == 404
    assert metrics_ops.status_code == 200


def test_staff_read_the_details_through_the_api(client_for):
    from tests.factories import make_user

    staff = client_for(make_user(is_staff=True))
    learner = client_for(make_user())

    detail = staff.get("/api/v1/ops/readiness/", **OUTSIDER)
    refused = learner.get("/api/v1/ops/readiness/", **OUTSIDER)

    assert detail.status_code == 200
    assert set(detail.json()["checks"]) == {"database", "cache", "job_broker", "event_broker", "storage"}
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_one_implementation_of_the_probes():
    from apps.core import views

    assert not hasattr(views, "healthz")
    assert not hasattr(views, "readyz")
