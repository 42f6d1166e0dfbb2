"""Database: SQLite in WAL mode on the embedded defaults, anything dj-database-url understands otherwise."""

from typing import Any

from learning_platform.settings.env import DATA_DIR, env

_default_sqlite = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES: dict[str, dict[str, Any]] = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a worker write at once: WAL lets readers go on while one writer writes, the busy
    # timeout makes a second writer wait instead of failing with "database is locked", and IMMEDIATE
    # transactions take the write lock up front so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
