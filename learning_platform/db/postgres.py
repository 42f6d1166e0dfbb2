"""PostgreSQL connection pool hooks (Django's ``OPTIONS["pool"]``, psycopg-pool; ADR 0018)."""

from typing import Any


def pool_reset(connection: Any) -> None:
    """Runs when a connection goes back to the pool: a session advisory lock must never outlive its borrower.

    Nothing in the project takes session locks on a pooled connection (the outbox relay holds its shard locks
    on a session of its own, outside the pool); this keeps it that way if some future code forgets."""
    autocommit = connection.autocommit
    connection.autocommit = True
    try:
        connection.execute("SELECT pg_advisory_unlock_all()")
    finally:
        connection.autocommit = autocommit
