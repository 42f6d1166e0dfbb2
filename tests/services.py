"""Fixtures for the real services (PostgreSQL, Redis, the Kafka-compatible broker, S3 storage).

The integration run (``make test-integration``) starts them with ``scripts/services.py`` and exports their
URLs, so Django's own settings point at them. A test that needs one asks for its fixture: where the
service cannot be reached the test is skipped with the reason, except in CI (``CI=true``), where a
missing service is a failure.
"""

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url if "://" in url else f"tcp://{url}")
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _require(variable: str, default_port: int, what: str) -> str:
    value = os.environ.get(variable, "")
    reason = ""
    if not value:
        reason = f"{what}: {variable} is not set (run `make test-integration`, which starts the services)"
    elif not _reachable(value.split(",")[0], default_port):
        reason = f"{what}: nothing answers at {value}"
    if reason:
        if IN_CI:
            pytest.fail(f"CI needs the real service. {reason}", pytrace=False)
        pytest.skip(reason)
    return value


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = _require("DATABASE_URL", 5432, "PostgreSQL")
    if not url.startswith("postgres"):
        message = f"PostgreSQL: DATABASE_URL points at {url.split(':')[0]}, not PostgreSQL"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _require("REDIS_URL", 6379, "Redis")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return _require("KAFKA_BOOTSTRAP_SERVERS", 9092, "Kafka-compatible broker")


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    return _require("S3_ENDPOINT_URL", 8333, "S3 storage")
