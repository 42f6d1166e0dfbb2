import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.realtime.services import push_to_user
from learning_platform.asgi import application
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

FAST_POLL = override_settings(REALTIME_DELIVERY="database", REALTIME_POLL_SECONDS=0.05)


def _connect(token: str | None) -> WebsocketCommunicator:
    path = "/ws/events/" + (f"?token={token}" if token else "")
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1")]
    )


async def _next_push(socket: WebsocketCommunicator) -> dict:
    return await socket.receive_json_from(timeout=3)


@FAST_POLL
def test_socket_without_token_is_refused():
    async def scenario() -> tuple[bool, int | None]:
        socket = _connect(None)
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    connected, code = asyncio.run(scenario())

    assert connected is False
    assert code == 4401


@FAST_POLL
def test_socket_with_forged_token_is_refused():
    async def scenario() -> bool:
        socket = _connect("not.a.jwt")
        connected, _ = await socket.connect()
        await socket.disconnect()
        return connected

    assert asyncio.run(scenario()) is False


@FAST_POLL
def test_push_written_by_another_process_reaches_only_its_learner():
    """Database delivery: a push row (as a worker process writes it) streams to the owner's socket only."""
    alice, bob = make_user(), make_user()

    async def scenario() -> tuple[dict, dict, bool]:
        alice_socket = _connect(str(AccessToken.for_user(alice)))
        bob_socket = _connect(str(AccessToken.for_user(bob)))
        assert (await alice_socket.connect())[0]
        assert (await bob_socket.connect())[0]
        hello = await _next_push(alice_socket)
        await _next_push(bob_socket)
        await sync_to_async(push_to_user)(user_id=alice.pk, type="job.progress", data={"job_id": 7, "progress": 50})
        pushed = await _next_push(alice_socket)
        bob_got_nothing = await bob_socket.receive_nothing(timeout=0.5)
        await alice_socket.disconnect()
        await bob_socket.disconnect()
        return hello, pushed, bob_got_nothing

    hello, pushed, bob_got_nothing = asyncio.run(scenario())

    assert hello == {"event": "connected", "data": {"user_id": alice.pk}}
    assert pushed["event"] == "job.progress"
    assert pushed["data"] == {"job_id": 7, "progress": 50}
    assert bob_got_nothing is True
