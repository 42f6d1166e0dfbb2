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
