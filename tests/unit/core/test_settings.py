import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings.production",
            "DJANGO_SECRET_KEY": "x" * 64 + "-a-long-random-production-key-from-a-secret-store",
            "DJANGO_ALLOWED_HOSTS": "platform.example.com",
            "DATA_DIR": str(tmp_path),
        },
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings.production",
            "DJANGO_ALLOWED_HOSTS": "platform.example.com",
            "DATA_DIR": str(tmp_path),
        },
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        pytest.param(
            "DATABASE_URL",
            "postgres://u:p@db:5432/lp",
            "DATABASES.default.ENGINE",
            "django.db.backends.postgresql",
            id="postgres",
        ),
        pytest.param(
            "REDIS_URL", "redis://cache:6379/0", "CELERY_BROKER_URL", "redis://cache:6379/0", id="redis-broker"
        ),
        pytest.param(
            "REDIS_URL",
            "redis://cache:6379/0",
            "CHANNEL_LAYERS.default.BACKEND",
            "channels_redis.core.RedisChannelLayer",
            id="redis-channels",
        ),
        pytest.param("KAFKA_BOOTSTRAP_SERVERS", "k1:9092", "EVENTBUS_TRANSPORT", "kafka", id="kafka"),
        pytest.param("S3_BUCKET", "lp", "STORAGES.default.BACKEND", "storages.backends.s3.S3Storage", id="s3"),
        pytest.param("", "", "DATABASES.default.ENGINE", "learning_platform.db.sqlite", id="embedded-sqlite"),
        pytest.param("", "", "EVENTBUS_TRANSPORT", "inprocess", id="embedded-bus"),
        pytest.param("", "", "CELERY_BROKER_URL", "filesystem://", id="embedded-jobs"),
    ],
)
def test_environment_switches_each_service(tmp_path, variable, value, setting, expected):
    parts = setting.split(".")
    expr = parts[0] + "".join(f"[{p!r}]" for p in parts[1:])
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{expr})"
    env = {"DJANGO_SETTINGS_MODULE": "learning_platform.settings.base", "DATA_DIR": str(tmp_path)}
    if variable:
        env[variable] = value
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "KAFKA_BOOTSTRAP_SERVERS",
            "S3_BUCKET",
            "CELERY_BROKER_URL",
            "EVENTBUS_TRANSPORT",
        )
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip() == expected, result.stderr
