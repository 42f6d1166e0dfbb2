"""No usable signing key ships with the code, and debug pages stay on loopback (issue 8)."""

import multiprocessing
import os
import subprocess
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from learning_platform.settings.secret_key import (
    KEY_FILE_NAME,
    debug_mode,
    installation_key,
    is_loopback_only,
    signing_key,
)
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[3]
OLD_PUBLIC_KEY = "insecure-embedded-default-key-change-me-in-production"
STRONG_KEY = "k" * 20 + "-a-long-random-production-key-from-a-secret-store"


def _settings_value(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_a_jwt_signed_with_the_old_public_default_key_is_rejected(api_client):
    admin = make_user(is_staff=True, is_superuser=True)
    now = timezone.now()
    claims = {
        "token_type": "access",
        "user_id": str(admin.pk),
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    forged = jwt.encode(claims, OLD_PUBLIC_KEY, algorithm="HS256")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    response = api_client.get("/api/v1/me/")

    assert settings.SECRET_KEY != OLD_PUBLIC_KEY
    assert response.status_code == 401


def test_the_embedded_defaults_generate_one_key_per_install_and_reuse_it(tmp_path):
    first = _settings_value("SECRET_KEY", {"DATA_DIR": str(tmp_path)})
    second = _settings_value("SECRET_KEY", {"DATA_DIR": str(tmp_path)})
    elsewhere = _settings_value("SECRET_KEY", {"DATA_DIR": str(tmp_path / "other-install")})

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout == (tmp_path / KEY_FILE_NAME).read_text() + "\n"
    assert len(first.stdout.strip()) >= 50
    assert elsewhere.stdout != first.stdout
    assert (tmp_path / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_on_a_fresh_install_agree_on_one_key(tmp_path):
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        keys = set(pool.map(installation_key, [tmp_path] * 8))

    assert keys == {(tmp_path / KEY_FILE_NAME).read_text()}
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]  # no temporary file left behind


def test_the_old_public_key_beyond_loopback_stops_the_process(tmp_path):
    result = _settings_value(
        "SECRET_KEY",
        {"DATA_DIR": str(tmp_path), "DJANGO_SECRET_KEY": OLD_PUBLIC_KEY, "DJANGO_ALLOWED_HOSTS": "learn.example.org"},
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is a published or weak key" in result.stderr


def test_production_settings_refuse_the_compose_example_key_beyond_loopback(tmp_path):
    result = _settings_value(
        "SECRET_KEY",
        {
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings.production",
            "DATA_DIR": str(tmp_path),
            "DJANGO_SECRET_KEY": "change-me-local-compose-only-not-a-real-secret-0123456789",
            "DJANGO_ALLOWED_HOSTS": "learn.example.org",
        },
    )

    assert result.returncode != 0
    assert "published or weak key" in result.stderr
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_debug_beyond_loopback_stops_the_process(tmp_path):
    result = _settings_value(
        "DEBUG",
        {
            "DATA_DIR": str(tmp_path),
            "DJANGO_SECRET_KEY": STRONG_KEY,
            "DJANGO_DEBUG": "true",
            "DJANGO_ALLOWED_HOSTS": "learn.example.org",
        },
    )

    assert result.returncode != 0
    assert "DJANGO_DEBUG=true with DJANGO_ALLOWED_HOSTS beyond loopback" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    result = _settings_value("DEBUG", {"DATA_DIR": str(tmp_path)})

    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        (["localhost", "127.0.0.1", "[::1]"], True),
        (["127.0.0.1", "learn.example.org"], False),
        (["*"], False),
        ([".example.org"], False),
    ],
    ids=["loopback", "one-domain", "wildcard", "subdomains"],
)
def test_loopback_only_hosts(hosts, expected):
    assert is_loopback_only(hosts) is expected


@pytest.mark.parametrize(
    "key", [OLD_PUBLIC_KEY, "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", "short"], ids=str
)
def test_known_keys_are_allowed_on_loopback_only(tmp_path, key):
    assert signing_key(configured=key, data_dir=tmp_path, allowed_hosts=["localhost"]) == key
    with pytest.raises(ImproperlyConfigured):
        signing_key(configured=key, data_dir=tmp_path, allowed_hosts=["learn.example.org"])


def test_a_strong_key_is_used_as_given_anywhere(tmp_path):
    assert signing_key(configured=STRONG_KEY, data_dir=tmp_path, allowed_hosts=["*"]) == STRONG_KEY
    assert debug_mode(requested=False, allowed_hosts=["*"]) is False
