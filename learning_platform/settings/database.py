"""Database: SQLite in WAL mode on the embedded defaults, anything dj-database-url understands otherwise."""

from typing import Any

from learning_platform.db.postgres import pool_reset
from learning_platform.settings.env import DATA_DIR, env

_default_sqlite = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES: dict[str, dict[str, Any]] = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}
#: Idle connections a process keeps for reuse (the SQLite pool; the PostgreSQL pool's upper bound).
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=10)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker write at once: WAL lets readers go on while one writer writes, the busy
    # timeout makes a second writer wait instead of failing with "database is locked", and IMMEDIATE
    # transactions take the write lock up front so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["ENGINE"] = "learning_platform.db.sqlite"  # Django's, with connections reused (ADR 0018)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif env.bool("DATABASE_POOL", default=False):
    # Under ASGI each request runs in a thread of its own, where a persistent connection (CONN_MAX_AGE) cannot
    # be reused: the web processes borrow from a pool instead (ADR 0018). Pooling excludes CONN_MAX_AGE.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "reset": pool_reset,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
