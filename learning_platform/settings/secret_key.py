"""The signing key (sessions, reset and verification links, JWTs) and when debug pages may be shown.

No usable key ships with the code: on the embedded defaults each installation generates its own, once, into
``DATA_DIR`` and reuses it (as the demo passwords are). A key anyone can read (one published in this
repository, Django's ``django-insecure-`` keys, a short one) is refused as soon as the platform answers to a
host name beyond loopback, and so are debug pages.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "secret-key"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "testserver"})
#: Keys this repository has published (code defaults, examples): whoever reads them can sign tokens.
PUBLISHED_KEYS = frozenset(
    {
        "insecure-embedded-default-key-change-me-in-production",
        "change-me-local-compose-only-not-a-real-secret-0123456789",
    }
)
MIN_KEY_LENGTH = 32


def is_loopback_only(allowed_hosts: list[str]) -> bool:
    """True when every host the platform answers to is this machine (a ``*`` or a domain is not)."""
    return all(host.lower() in LOOPBACK_HOSTS for host in allowed_hosts)


def is_known_key(key: str) -> bool:
    return key in PUBLISHED_KEYS or key.startswith("django-insecure-") or len(key) < MIN_KEY_LENGTH


def installation_key(data_dir: Path) -> str:
    """This installation's random key, generated on first use into ``data_dir`` (mode 0600) and then reused.

    Web, worker and scheduler may start at once on a fresh install: the key is written whole to a private
    temporary file and hard-linked into place, so every process reads the one key that won.
    """
    path = data_dir / KEY_FILE_NAME
    try:
        if not path.exists():
            fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{KEY_FILE_NAME}-")  # mode 0600
            try:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(50))
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        key = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"No DJANGO_SECRET_KEY and cannot keep a generated one in DATA_DIR ({exc}). "
            "Set DJANGO_SECRET_KEY to 50+ random characters or make DATA_DIR writable."
        ) from exc
    if len(key) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to generate one, or set DJANGO_SECRET_KEY.")
    return key


def signing_key(*, configured: str, data_dir: Path, allowed_hosts: list[str]) -> str:
    """The configured key, else this installation's own; a known key only while serving loopback alone."""
    if not configured:
        return installation_key(data_dir)
    if is_known_key(configured) and not is_loopback_only(allowed_hosts):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is a published or weak key (anyone can sign sessions and JWTs with it) and "
            f"DJANGO_ALLOWED_HOSTS ({', '.join(allowed_hosts)}) reaches beyond loopback. Set DJANGO_SECRET_KEY to "
            '50+ random characters: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return configured


def debug_mode(*, requested: bool, allowed_hosts: list[str]) -> bool:
    """Debug pages show settings and source: only ever for a platform that answers to loopback alone."""
    if requested and not is_loopback_only(allowed_hosts):
        raise ImproperlyConfigured(
            f"DJANGO_DEBUG=true with DJANGO_ALLOWED_HOSTS beyond loopback ({', '.join(allowed_hosts)}): debug pages "
            "would show settings and source code to the network. Unset DJANGO_DEBUG."
        )
    return requested
