import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from tests.live_server import asgi_server

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration runs against real services."""
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)


def child_env() -> dict[str, str]:
    """Environment for a child process (web, worker) that must see the test database pytest-django made."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return {
        **env,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base",
        # The tests sign tokens with this process's key; a child with another DATA_DIR would generate its own.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }


def celery_worker(
    env: dict[str, str], *, pool: str = "solo", queues: str = "", output: Any = subprocess.DEVNULL
) -> "subprocess.Popen[bytes]":
    """A real Celery worker process (no eager mode: task arguments cross the real broker); stop it with
    ``tests.services.stop_worker``."""
    queue_args = ("-Q", queues) if queues else ()
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "learning_platform", "worker", "--pool", pool, *queue_args),
            *("--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output is not subprocess.DEVNULL else subprocess.DEVNULL,
    )


def django_python(env: dict[str, str], code: str, timeout: float = 120) -> str:
    """Runs ``code`` in a separate Django process (its own connections, the real broker) and returns its output."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        check=False,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise AssertionError(f"child Django process exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.1) -> None:
    """Polls ``condition`` until it holds; ``TimeoutError(what)`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(interval)


@contextmanager
def redis_cache(test_settings: Any, redis_url: str, alias: str) -> Iterator[tuple[Any, str]]:
    """Points the cache ``alias`` at real Redis under a fresh key prefix; yields a client and the prefix, and
    deletes the prefix's keys afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    test_settings.CACHES = {
        **test_settings.CACHES,
        alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix},
    }
    client = redis.Redis.from_url(redis_url)
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


@pytest.fixture(scope="session")
def platform_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATA_DIR with collected static files, as a deployed web process has them."""
    data_dir = tmp_path_factory.mktemp("platform")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "DATA_DIR": str(data_dir)},
        check=True,
        timeout=120,
    )
    return data_dir


@pytest.fixture
def live_platform(postgres_url: str, redis_url: str, transactional_db: Any, platform_data_dir: Path) -> Iterator[str]:
    """The real ASGI server (daphne) in its own process, on the test database and the real services."""
    with asgi_server({**child_env(), "DATA_DIR": str(platform_data_dir), "DJANGO_DEBUG": "false"}) as base:
        yield base


@pytest.fixture(scope="session", autouse=True)
def _close_child_connections(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Child processes and websocket threads leave sessions on the test database; end them before it is dropped."""
    yield
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through its chromedriver (no browser download), its console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.services import require_binary

    require_binary("chromium")
    require_binary("chromedriver")
    binary, driver = shutil.which("chromium") or "chromium", shutil.which("chromedriver") or "chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, read by the tests
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1280,1600",
    ):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()
