"""Test settings: the embedded defaults, fast hashing, generous rate limits that tests set themselves."""

import os
import tempfile

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="lp-test-"))

from learning_platform.settings.base import *  # noqa: F403
from learning_platform.settings.base import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    **{scope: "10000/min" for scope in ("ip", "user", "auth", "refresh")},
}
LOGGING_CONFIG = None
#: Tests see every account change at once (the default); tests/unit/core/test_api_path.py turns the cache on.
AUTH_USER_CACHE_SECONDS = 0.0
