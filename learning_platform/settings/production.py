"""Production: everything secret comes from the environment; HTTPS everywhere but the probes."""

from learning_platform.settings.env import DATA_DIR, env
from learning_platform.settings.secret_key import signing_key

# Read before base: no default, so a missing key stops the process (base would generate one into DATA_DIR).
_configured_key = env.str("DJANGO_SECRET_KEY")

from learning_platform.settings.base import *  # noqa: E402,F403

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# A published or weak key stops the process too, unless the platform answers to loopback alone.
SECRET_KEY = signing_key(configured=_configured_key, data_dir=DATA_DIR, allowed_hosts=ALLOWED_HOSTS)
DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The kubelet probes pods by IP over plain HTTP: the probes must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
