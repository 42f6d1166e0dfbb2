"""The PostgreSQL connection pool of the web processes (DATABASE_POOL, ADR 0018) on a real server: requests
in threads of their own reuse a few connections, and a session lock never outlives its borrower."""

import threading
from typing import Any

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from learning_platform.db.postgres import pool_reset

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pooled() -> Any:
    settings_dict = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **connection.settings_dict.get("OPTIONS", {}),
            "pool": {"min_size": 1, "max_size": 2, "reset": pool_reset},
        },
    }
    wrapper = DatabaseWrapper(settings_dict, alias="pool-test")
    yield wrapper
    wrapper.close_pool()


def _in_a_new_thread(pooled: Any, sql: str) -> Any:
    """What Django does for a request under ASGI: a new thread, a connection, the query, close."""
    out: list[Any] = []

    def request() -> None:
        wrapper = type(pooled)(pooled.settings_dict, alias=pooled.alias)
        with wrapper.cursor() as cursor:
            cursor.execute(sql)
            out.append(cursor.fetchone()[0])
        wrapper.close()

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    return out[0]


def test_requests_in_new_threads_reuse_the_pools_connections(pooled):
    backends = {_in_a_new_thread(pooled, "SELECT pg_backend_pid()") for _ in range(20)}

    assert len(backends) <= 2


def test_a_session_lock_is_released_when_the_connection_goes_back(pooled):
    _in_a_new_thread(pooled, "SELECT pg_advisory_lock(4242)")  # taken, never unlocked by its borrower
    pooled.pool.check()  # waits for the pool's background reset of returned connections

    held = _in_a_new_thread(pooled, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242")

    assert held == 0
