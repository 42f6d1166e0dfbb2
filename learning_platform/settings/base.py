"""Settings every process runs with. Embedded defaults: SQLite, local files, in-process event bus,
Celery on the filesystem transport. Each service switches to its real server from the environment."""

import django_stubs_ext

from learning_platform.settings.env import BASE_DIR, DATA_DIR, env  # noqa: F401 - BASE_DIR is a setting too
from learning_platform.settings.secret_key import debug_mode, signing_key

django_stubs_ext.monkeypatch()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
#: No key ships with the code: without DJANGO_SECRET_KEY, each installation generates its own into DATA_DIR.
SECRET_KEY = signing_key(
    configured=env.str("DJANGO_SECRET_KEY", default=""), data_dir=DATA_DIR, allowed_hosts=ALLOWED_HOSTS
)
#: Off unless asked for (`make run` asks when it binds to loopback); refused beyond loopback.
DEBUG = debug_mode(requested=env.bool("DJANGO_DEBUG", default=False), allowed_hosts=ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "django_celery_beat",
    "django_prometheus",
    "eventbus",
    "apps.core",
    "apps.accounts",
    "apps.realtime",
    "apps.jobs",
    "apps.documents",
    "apps.speech",
    "apps.notes",
    "apps.quizzes",
    "apps.chat",
    "apps.web",
]

MIDDLEWARE = [
    # Rate, errors and duration under django-prometheus's names, without its other families (ADR 0033).
    "apps.core.metrics.RequestMetricsMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Sessions, CSRF, the session's user and messages, for pages only: the API signs in with JWT.
    "apps.core.middleware.PageOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.JsonErrorMiddleware",
    "apps.core.metrics.ExceptionMetricsMiddleware",
]

#: Run by PageOnlyMiddleware, in this order, for every path outside /api/.
PAGE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
#: The admin's checks and the deploy check want sessions, CSRF, auth and messages in MIDDLEWARE; apps.core's
#: checks core.E001/E002 want them in PAGE_MIDDLEWARE (tests/unit/core/test_page_middleware.py).
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "security.W003"]

ROOT_URLCONF = "learning_platform.urls"
ASGI_APPLICATION = "learning_platform.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

#: The learner web app (apps.web) signs in with a Django session; pages behind sign-in send visitors here.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
CSRF_FAILURE_VIEW = "apps.web.views.errors.csrf_failure"

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

from learning_platform.settings.api import *  # noqa: E402,F403
from learning_platform.settings.cache import *  # noqa: E402,F403
from learning_platform.settings.celery import *  # noqa: E402,F403
from learning_platform.settings.chat import *  # noqa: E402,F403
from learning_platform.settings.database import *  # noqa: E402,F403
from learning_platform.settings.documents import *  # noqa: E402,F403
from learning_platform.settings.email import *  # noqa: E402,F403
from learning_platform.settings.generation import *  # noqa: E402,F403
from learning_platform.settings.jobs import *  # noqa: E402,F403
from learning_platform.settings.kafka import *  # noqa: E402,F403
from learning_platform.settings.limits import *  # noqa: E402,F403
from learning_platform.settings.logging import *  # noqa: E402,F403
from learning_platform.settings.speech import *  # noqa: E402,F403
from learning_platform.settings.storage import *  # noqa: E402,F403

#: Port of the web process's operations listener (probes with details, /metrics), never routed by the
#: ingress. 0: no such listener, and requests from loopback peers count as the cluster (a single machine).
OPS_PORT = env.int("OPS_PORT", default=0)
