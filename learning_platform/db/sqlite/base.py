"""SQLite whose connections outlive a request: closed connections go back to a small per-process pool.

Under ASGI Django runs each request's sync code in a thread of its own, so a connection cannot persist in a
thread (``CONN_MAX_AGE``): every request opened the database file, registered Django's SQL functions, ran the
WAL and busy-timeout pragmas, and on close (the last connection of the process) checkpointed the WAL. That was
about a third of a small API read. Here ``close()`` hands the connection back instead, and the next request's
``connect()`` takes it, already set up. Django's own rules still hold: a connection closed inside a transaction
is rolled back first, one closed inside an ``atomic`` block or one made by another process (inherited over
``fork``) is really closed, an in-memory database is never pooled (Django keeps those open anyway).
``DATABASE_POOL_MAX_SIZE`` bounds the idle connections kept (ADR 0018).
"""

import os
import sqlite3
import threading
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base

_idle: dict[tuple[int, str], list[sqlite3.Connection]] = {}
#: Idle connections a forked child inherited: never used again, and never closed either (closing one in the
#: child could checkpoint or delete the parent's WAL, since SQLite's POSIX locks do not cross ``fork``).
_inherited: list[sqlite3.Connection] = []
_lock = threading.Lock()


def _forget_after_fork() -> None:
    _inherited.extend(conn for idle in _idle.values() for conn in idle)
    _idle.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _max_idle() -> int:
    return int(getattr(settings, "DATABASE_POOL_MAX_SIZE", 10))


class DatabaseWrapper(base.DatabaseWrapper):
    _taken_from: tuple[int, str] | None = None  # the pool this connection goes back to (None: not pooled)

    def _pool_key(self, conn_params: dict[str, Any]) -> tuple[int, str] | None:
        if self.is_in_memory_db() or _max_idle() <= 0:
            return None
        return (os.getpid(), str(conn_params.get("database")))

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        key = self._taken_from = self._pool_key(conn_params)
        if key is not None:
            with _lock:
                idle = _idle.get(key)
                if idle:
                    return idle.pop()
        return super().get_new_connection(conn_params)

    def _close_for_real(self) -> None:
        with self.wrap_database_errors:
            self.connection.close()

    def _close(self) -> None:
        conn, key = self.connection, self._taken_from
        if conn is None or key is None or self.in_atomic_block or key[0] != os.getpid():
            self._close_for_real()
            return
        try:
            if conn.in_transaction:
                conn.rollback()
        except sqlite3.Error:
            self._close_for_real()
            return
        with _lock:
            idle = _idle.setdefault(key, [])
            if len(idle) < _max_idle():
                idle.append(conn)
                return
        self._close_for_real()
