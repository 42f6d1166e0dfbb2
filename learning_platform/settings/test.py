"""Test settings: the embedded defaults, fast hashing, generous rate limits that tests set themselves."""

import os
import tempfile

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="lp-test-"))
# Parallel test workers (pytest-xdist) inherit the controller's DATA_DIR: each takes a folder of its own, or one
# worker's erasure of "documents/1/" removes another worker's files. Once per worker: its child processes
# inherit the split folder and the marker.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("LP_TEST_DATA_DIR_WORKER") != _worker:
    os.environ["DATA_DIR"] = os.path.join(os.environ["DATA_DIR"], _worker)
    os.environ["LP_TEST_DATA_DIR_WORKER"] = _worker
    os.makedirs(os.environ["DATA_DIR"], exist_ok=True)

from learning_platform.settings.base import *  # noqa: E402,F403
from learning_platform.settings.base import DATABASES, REST_FRAMEWORK  # noqa: E402

if DATABASES["default"]["ENGINE"] == "learning_platform.db.sqlite":
    # Tests run on an in-memory database, which is never pooled; pytest-django gives each parallel worker an
    # in-memory database of its own only for Django's own engine name (tests/unit/core/test_sqlite_pool.py).
    DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    **{scope: "10000/min" for scope in ("ip", "user", "auth", "refresh")},
}
LOGGING_CONFIG = None
#: One process runs the jobs (eagerly) and the requests: the quiz read cache is on, in local memory.
QUIZ_READ_CACHE = True
