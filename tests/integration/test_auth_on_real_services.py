"""Auth on the real services: races on PostgreSQL (concurrent refreshes of one token, concurrent registrations
of one address) and a sign-out reaching an open websocket over the Redis channel layer."""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts import sessions
from apps.accounts.models import RefreshTokenFamily, User
from apps.accounts.services import user_logout_everywhere
from learning_platform.asgi import application
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

REFRESH = "/api/v1/auth/token/refresh/"
REGISTER = "/api/v1/auth/register/"
THREADS = 8


def _all_at_once(request: Callable[[APIClient], Any]) -> list[Any]:
    """Runs ``request`` in THREADS threads released together, each with its own client and connection."""
    barrier = threading.Barrier(THREADS)

    def one(_: int) -> Any:
        client = APIClient()
        try:
            barrier.wait(timeout=10)
            return request(client)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_concurrent_refreshes_of_one_token_have_exactly_one_winner(postgres_url):
    user = make_user()
    refresh = sessions.token_obtain(user=user)["refresh"]

    responses = _all_at_once(lambda client: client.post(REFRESH, {"refresh": refresh}, format="json"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * (THREADS - 1)
    codes = {response.json()["error"]["code"] for response in responses if response.status_code == 401}
    assert codes <= {"token_reused", "token_revoked"}
    # The losers presented an exchanged token: the whole sign-in is revoked, the winner's new pair included.
    winner = next(response.json() for response in responses if response.status_code == 200)
    assert APIClient().post(REFRESH, {"refresh": winner["refresh"]}, format="json").status_code == 401
    assert RefreshTokenFamily.objects.get().revoked_reason == "reused"


def test_concurrent_registrations_of_one_address_make_one_account_and_no_500(postgres_url):
    payload = {"email": "race@example.com", "password": "a-long-unusual-passphrase-42"}

    responses = _all_at_once(lambda client: client.post(REGISTER, payload, format="json"))

    assert [response.status_code for response in responses] == [202] * THREADS
    assert len({str(response.json()) for response in responses}) == 1
    assert User.objects.filter(email="race@example.com").count() == 1


@override_settings(REALTIME_DELIVERY="channel_layer", REALTIME_AUTH_RECHECK_SECONDS=60)
def test_signing_out_everywhere_closes_open_sockets_through_redis(redis_url, postgres_url):
    """The periodic re-check is a minute away: the close must come from the sign-out's group message."""
    user = make_user()
    access = sessions.token_obtain(user=user)["access"]

    async def scenario() -> tuple[dict, dict]:
        socket = WebsocketCommunicator(
            application,
            "/ws/events/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
            subprotocols=["bearer", access],
        )
        assert await socket.connect() == (True, "bearer")
        await socket.receive_json_from(timeout=3)
        await sync_to_async(user_logout_everywhere)(user=user)
        ended = await socket.receive_json_from(timeout=5)
        closed = await socket.receive_output(timeout=5)
        return ended, closed

    ended, closed = asyncio.run(scenario())

    assert ended == {"event": "auth.ended", "data": {"reason": "signed_out"}}
    assert closed["code"] == 4401
