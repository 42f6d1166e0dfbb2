"""The SQLite backend hands a closed connection to the next request instead of reopening the file."""

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from learning_platform.db.sqlite import base as pooled


def _wrapper(path: Path) -> Any:
    settings_dict = {**connection.settings_dict, "NAME": str(path), "ENGINE": "learning_platform.db.sqlite"}
    return pooled.DatabaseWrapper(settings_dict, alias=f"pool-{path.name}")


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Any:
    """A file database of its own (the test database is in memory, which is never pooled)."""
    with django_db_blocker.unblock():
        wrapper = _wrapper(tmp_path / "pool.sqlite3")
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n integer)")
        wrapper.close()
        yield wrapper
        wrapper.close()
        pooled._idle.clear()


def test_a_closed_connection_is_reused_by_the_next_connect(database):
    database.ensure_connection()
    first = database.connection
    database.close()

    database.ensure_connection()

    assert database.connection is first
    assert database.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # still set up


def test_work_left_uncommitted_is_rolled_back_before_reuse(database):
    database.set_autocommit(False)
    with database.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    database.close()

    with database.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 0
    assert database.get_autocommit() is True


def test_idle_connections_are_bounded(database, settings):
    settings.DATABASE_POOL_MAX_SIZE = 1
    other = _wrapper(Path(database.settings_dict["NAME"]))
    database.ensure_connection()
    other.ensure_connection()

    database.close()
    other.close()

    assert sum(len(idle) for idle in pooled._idle.values()) == 1


def test_a_forked_child_never_uses_its_parents_idle_connections(database):
    database.ensure_connection()
    parents = database.connection
    database.close()

    pooled._forget_after_fork()  # what os.register_at_fork runs in the child
    database.ensure_connection()

    assert database.connection is not parents
    assert parents in pooled._inherited
