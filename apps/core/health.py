"""Liveness and readiness.

Readiness fails (503) only for what this process cannot serve without: the database. Cache, job broker,
event broker and storage are reported by name as ``ok`` or ``degraded``, so a broker outage does not take
every web pod out of the load balancer while the outbox keeps events safe.

Outsiders get :func:`readiness_status` (the database check alone, status only); the named checks with their
timings and errors (which name internal hosts) are for the cluster and for staff (:func:`readiness`).
"""

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 1.5


def liveness() -> tuple[int, dict[str, object]]:
    return 200, {"status": "ok"}


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"readyz:{os.getpid()}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")


def _tcp_reachable(url_or_hostport: str, default_port: int) -> None:
    parsed = urlparse(url_or_hostport if "://" in url_or_hostport else f"tcp://{url_or_hostport}")
    with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), CHECK_TIMEOUT_SECONDS):
        pass


def _check_job_broker() -> None:
    url: str = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])  # type: ignore[arg-type]
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise RuntimeError(f"queue folder {folder} is not writable")
        return
    _tcp_reachable(url, 6379)


def _check_event_broker() -> None:
    if settings.EVENTBUS_TRANSPORT != "kafka":
        return
    errors = []
    for server in settings.KAFKA_BOOTSTRAP_SERVERS.split(","):
        try:
            _tcp_reachable(server.strip(), 9092)
            return
        except OSError as exc:
            errors.append(f"{server}: {exc}")
    raise RuntimeError("; ".join(errors))


def _check_storage() -> None:
    from django.core.files.storage import default_storage

    if settings.S3_BUCKET:
        client = default_storage.connection.meta.client  # type: ignore[attr-defined]
        client.head_bucket(Bucket=settings.S3_BUCKET)
        return
    location = Path(default_storage.location)  # type: ignore[attr-defined]
    location.mkdir(parents=True, exist_ok=True)
    if not os.access(location, os.W_OK):
        raise RuntimeError(f"media folder {location} is not writable")


REQUIRED: dict[str, Callable[[], None]] = {"database": _check_database}
OPTIONAL: dict[str, Callable[[], None]] = {
    "cache": _check_cache,
    "job_broker": _check_job_broker,
    "event_broker": _check_event_broker,
    "storage": _check_storage,
}


def _run(check: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure by name, it never raises
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def readiness() -> tuple[int, dict[str, object]]:
    checks: dict[str, dict[str, object]] = {}
    for name, check in REQUIRED.items():
        checks[name] = _run(check)
    for name, check in OPTIONAL.items():
        result = _run(check)
        if result["status"] != "ok":
            result["status"] = "degraded"
        checks[name] = result
    is_ready = all(checks[name]["status"] == "ok" for name in REQUIRED)
    overall = "ok" if is_ready and all(c["status"] == "ok" for c in checks.values()) else "degraded"
    if not is_ready:
        overall = "unavailable"
    return (200 if is_ready else 503), {"status": overall, "checks": checks}


def readiness_status() -> tuple[int, dict[str, object]]:
    """The cheap, terse answer for anyone: ready or not, from the required checks alone, without details."""
    is_ready = all(_run(check)["status"] == "ok" for check in REQUIRED.values())
    return (200, {"status": "ok"}) if is_ready else (503, {"status": "unavailable"})
