"""API gateway concerns: authentication, throttling, pagination, schema, CORS."""

from datetime import timedelta

from learning_platform.settings.env import env

# Passwords are checked in one place for the API and /admin/: it locks an account after too many failures.
AUTHENTICATION_BACKENDS = ["apps.accounts.authentication.LockoutModelBackend"]

REST_FRAMEWORK = {
    # simplejwt's JWT authentication, refusing access tokens of signed-out sessions.
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.PerIpRateThrottle",
        "apps.core.throttling.PerUserRateThrottle",
    ],
    # Rates are "N/unit" or "N/<count><unit>" (unit s, min, hour, day): "20/min", "5/15min".
    "DEFAULT_THROTTLE_RATES": {
        # Every request from one client address.
        "ip": env.str("THROTTLE_RATE_IP", default="300/min"),
        # A signed-in learner's requests.
        "user": env.str("THROTTLE_RATE_USER", default="600/min"),
        # Sign-in (API and /admin/), registration, verification and reset requests from one client address.
        "auth": env.str("THROTTLE_RATE_AUTH", default="20/min"),
        # Token refresh from one client address, apart from "auth" (a school behind one NAT signs in and refreshes).
        "refresh": env.str("THROTTLE_RATE_REFRESH", default="600/min"),
        # Failed sign-ins of one account (by e-mail address, from anywhere); then the account waits (429).
        "signin_failures": env.str("THROTTLE_RATE_SIGNIN_FAILURES", default="5/15min"),
        # Verification, reset and "someone tried to register" mails to one address (more are silently dropped).
        "mail": env.str("THROTTLE_RATE_MAIL", default="3/hour"),
    },
    # DRF's negotiation, its answer remembered per Accept header (apps.core.negotiation).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.negotiation.RememberedNegotiation",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.DefaultPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=20),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.api_exception_handler",
    # JSON bodies only; an upload view names MultiPartParser itself. Every operation then accepts (and the
    # schema lists) one body format, and no form-encoding quirk (a part without a name, an empty field read
    # as absent) turns a malformed body into a valid one.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    # Only refresh tokens can be blacklisted, so access tokens stay short-lived.
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Learning Platform API",
    "DESCRIPTION": "Upload course material, study from notes and quizzes, chat with citations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The document status is in DocumentOutput and DocumentDetailOutput: one enum, under its old name.
    "ENUM_NAME_OVERRIDES": {
        "DocumentOutputStatusEnum": "apps.documents.models.Document.Status",
        "SpeechJobStatusEnum": "apps.speech.models.Transcription.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.add_error_responses",
    ],
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = env.bool("CORS_ALLOW_CREDENTIALS", default=False)
CORS_URLS_REGEX = r"^/api/.*$"

#: Where the links in verification and reset e-mails point (a front end, or the API itself).
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000")
#: Sign-in refuses accounts whose address is not verified yet.
ACCOUNTS_REQUIRE_VERIFIED_EMAIL = env.bool("ACCOUNTS_REQUIRE_VERIFIED_EMAIL", default=True)

#: JWT requests read their account's row and session state from the cache, stamped with an epoch that every
#: sign-out, deactivation, erasure and password change bumps (apps.accounts.liveness, ADR 0023); false: from
#: the database on every request.
AUTH_LIVENESS_CACHE = env.bool("AUTH_LIVENESS_CACHE", default=True)
#: The longest a cached entry lives: the bound for a change made behind the services' back (a raw UPDATE).
AUTH_LIVENESS_CACHE_SECONDS = env.int("AUTH_LIVENESS_CACHE_SECONDS", default=300)
