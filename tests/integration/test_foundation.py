"""The foundation on the real services: PostgreSQL, Redis (cache, throttles, channel layer, Celery broker),
the Kafka-compatible broker and S3 storage, through the real ASGI server and a real Celery worker."""

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from apps.realtime.models import Push
from learning_platform.asgi import application
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.integration.conftest import ROOT, celery_worker, child_env
from tests.services import stop_worker


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.django_db
def test_runs_on_postgresql(postgres_url):
    assert connection.vendor == "postgresql"


def test_readyz_is_green_on_every_real_service(live_platform, kafka_bootstrap, s3_endpoint):
    status, body = _get(f"{live_platform}/readyz")

    assert status == 200, body
    assert body["status"] == "ok", body
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "job_broker": "ok",
        "event_broker": "ok",
        "storage": "ok",
    }


def test_sign_in_and_profile_through_the_real_server(live_platform, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the server checks with
    user = make_user()

    status, tokens = _post(f"{live_platform}/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})
    me_status, me = _get(f"{live_platform}/api/v1/me/", tokens["access"])
    schema_status = urllib.request.urlopen(f"{live_platform}/api/docs/", timeout=10).status  # noqa: S310

    assert status == 200
    assert me_status == 200
    assert me["email"] == user.email
    assert schema_status == 200


@pytest.mark.django_db
def test_throttle_counts_live_in_redis(redis_url, settings, client_for):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"ip": "1000/min", "user": "2/min", "auth": "2/min"}
    try:
        cache.clear()
        client = client_for(make_user())
        statuses = [client.get("/api/v1/me/").status_code for _ in range(3)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original

    assert statuses == [200, 200, 429]


@pytest.mark.django_db(transaction=True)
@override_settings(REALTIME_DELIVERY="channel_layer")
def test_push_crosses_the_redis_channel_layer(redis_url):
    user = make_user()

    async def scenario() -> dict:
        socket = WebsocketCommunicator(
            application,
            "/ws/events/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
            subprotocols=["bearer", str(AccessToken.for_user(user))],
        )
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        # Stay idle past the layer's blocking pop and redis-py's default read timeout (5 s each): the socket
        # must survive an idle spell (a 1011 close here was a real bug with redis-py 8).
        assert await socket.receive_nothing(timeout=7, interval=0.5)
        from asgiref.sync import sync_to_async

        from apps.realtime.services import push_to_user

        await sync_to_async(push_to_user)(user_id=user.pk, type="job.progress", data={"progress": 10})
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    message = asyncio.run(scenario())

    assert message["event"] == "job.progress"
    assert message["data"] == {"progress": 10}


@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_runs_a_task_from_redis(redis_url, tmp_path):
    """No eager mode: the task crosses Redis as JSON and runs in a separate worker process."""
    user = make_user()
    stale = Push.objects.create(user=user, type="old", data={})
    Push.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fresh = Push.objects.create(user=user, type="new", data={})
    env = {**child_env(), "DATA_DIR": str(tmp_path), "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/5"}
    worker = celery_worker(env)
    try:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from apps.realtime.tasks import prune_pushes; prune_pushes.delay()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while Push.objects.filter(pk=stale.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        stop_worker(worker)

    assert list(Push.objects.values_list("pk", flat=True)) == [fresh.pk]
