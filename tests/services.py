"""Fixtures for the real services (PostgreSQL, Redis, the Kafka-compatible broker, S3 storage) and the
system programs some tests run (``@pytest.mark.requires_binary("tesseract")``).

The integration run (``make test-integration``) starts them with ``scripts/services.py`` and exports their
URLs, so Django's own settings point at them. A test that needs one asks for its fixture: where the
service cannot be reached the test is skipped with the reason, except in CI (``CI=true``), where a
missing service is a failure.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parent.parent


@cache
def _system_tools() -> dict[str, Any]:
    """The one table of system packages, kept by ``scripts/services.py install`` (which installs them)."""
    spec = importlib.util.spec_from_file_location("_services_script", ROOT / "scripts" / "services.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return dict(module.SYSTEM_TOOLS)


def missing_binary_message(binary: str) -> str:
    tool = _system_tools().get(binary)
    if tool is None:
        return f"{binary} is not installed (not on PATH)"
    return f"{binary} is not installed, needed for {tool.needed_by}: {tool.how_to_install}"


def require_binary(binary: str) -> None:
    """Skips the test when ``binary`` is missing, saying which package provides it; under CI=true, fails so."""
    tool = _system_tools().get(binary)
    if tool.is_installed() if tool is not None else shutil.which(binary):
        return
    message = missing_binary_message(binary)
    if IN_CI:
        pytest.fail(f"CI needs every system package. {message}", pytrace=False)
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_binary(*names): the test runs these programs; skipped (failed in CI) without them"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("requires_binary"):
        for binary in marker.args:
            require_binary(binary)


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


def stop_worker(proc: "subprocess.Popen[bytes]", timeout: float = 20.0) -> None:
    """Stops a worker process the test started: SIGTERM (a warm shutdown), then SIGKILL when it is still busy
    after ``timeout`` (a later job it picked up on its own, such as the notes or the chat index of a document
    the test processed, is not the test's concern)."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
