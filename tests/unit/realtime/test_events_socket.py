"""The events socket: sign-in without tokens in URLs, staying signed in only while the sign-in holds."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts import sessions
from apps.accounts.services import user_erase, user_logout, user_logout_everywhere
from apps.realtime.services import push_to_user
from learning_platform.asgi import application
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

FAST = override_settings(
    REALTIME_DELIVERY="database",
    REALTIME_POLL_SECONDS=0.05,
    REALTIME_AUTH_TIMEOUT_SECONDS=0.3,
    REALTIME_AUTH_RECHECK_SECONDS=0.2,
)
SAME_ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1")]


def _socket(
    *, bearer: str | None = None, path: str = "/ws/events/", headers: list[tuple[bytes, bytes]] | None = None
) -> WebsocketCommunicator:
    subprotocols = ["bearer", bearer] if bearer is not None else None
    return WebsocketCommunicator(application, path, headers=headers or SAME_ORIGIN, subprotocols=subprotocols)


def _access(user: Any, lifetime: timedelta | None = None) -> str:
    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


async def _ended(socket: WebsocketCommunicator, timeout: float = 3) -> tuple[str, int]:
    """The reason the server gave and the close code, after an ``auth.ended`` message."""
    message = await socket.receive_json_from(timeout=timeout)
    assert message["event"] == "auth.ended", message
    closed = await socket.receive_output(timeout=timeout)
    assert closed["type"] == "websocket.close", closed
    return message["data"]["reason"], closed["code"]


@FAST
def test_bearer_subprotocol_signs_in_and_only_bearer_is_echoed():
    user = make_user()

    async def scenario() -> tuple[bool, Any, dict]:
        socket = _socket(bearer=_access(user))
        connected, subprotocol = await socket.connect()
        hello = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return connected, subprotocol, hello

    connected, subprotocol, hello = asyncio.run(scenario())

    assert connected is True
    assert subprotocol == "bearer"
    assert hello == {"event": "connected", "data": {"user_id": user.pk}}


@FAST
def test_forged_bearer_token_is_refused_at_the_handshake():
    async def scenario() -> tuple[bool, Any]:
        socket = _socket(bearer="not.a.jwt")
        result = await socket.connect()
        await socket.disconnect()
        return result

    assert asyncio.run(scenario()) == (False, 4401)


@FAST
def test_token_in_the_query_string_is_ignored():
    """``?token=`` lands in access logs: it signs nothing in, and the socket closes when no sign-in follows."""
    user = make_user()

    async def scenario() -> tuple[bool, tuple[str, int]]:
        socket = _socket(path=f"/ws/events/?token={_access(user)}")
        connected, _ = await socket.connect()
        return connected, await _ended(socket)

    connected, ended = asyncio.run(scenario())

    assert connected is True  # accepted only to wait for an auth message
    assert ended == ("auth_timeout", 4401)


@FAST
def test_first_message_signs_in():
    user = make_user()

    async def scenario() -> tuple[dict, dict, dict]:
        socket = _socket()
        assert (await socket.connect())[0]
        await socket.send_json_to({"type": "auth", "token": _access(user)})
        ok = await socket.receive_json_from(timeout=3)
        hello = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return ok, hello, pong

    ok, hello, pong = asyncio.run(scenario())

    assert ok["event"] == "auth.ok"
    assert hello == {"event": "connected", "data": {"user_id": user.pk}}
    assert pong == {"event": "pong"}


@FAST
@pytest.mark.parametrize(
    "first_message",
    [
        pytest.param({"type": "ping"}, id="message-before-auth"),
        pytest.param({"type": "auth", "token": "not.a.jwt"}, id="forged-token"),
        pytest.param({"type": "auth"}, id="no-token"),
        pytest.param({"type": "auth", "token": 42}, id="token-not-a-string"),
    ],
)
@override_settings(REALTIME_AUTH_TIMEOUT_SECONDS=30)  # the bad message, not the sign-in timeout, must end it
def test_bad_first_message_closes_with_4401(first_message):
    async def scenario() -> tuple[str, int]:
        socket = _socket()
        assert (await socket.connect())[0]
        await socket.send_json_to(first_message)
        return await _ended(socket)

    reason, code = asyncio.run(scenario())

    assert code == 4401
    assert reason in {"auth_required", "token_not_valid"}


@FAST
def test_session_cookie_signs_in_from_an_allowed_origin_only():
    user = make_user()
    browser = Client()
    browser.force_login(user)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())

    async def scenario() -> tuple[dict, tuple[bool, Any]]:
        same_origin = _socket(headers=[*SAME_ORIGIN, cookie])
        assert (await same_origin.connect())[0]
        hello = await same_origin.receive_json_from(timeout=3)
        await same_origin.disconnect()
        foreign = _socket(headers=[(b"origin", b"https://evil.example.com"), (b"host", b"127.0.0.1"), cookie])
        refused = await foreign.connect()
        await foreign.disconnect()
        return hello, refused

    hello, refused = asyncio.run(scenario())

    assert hello == {"event": "connected", "data": {"user_id": user.pk}}
    assert refused[0] is False


@FAST
def test_socket_closes_when_its_access_token_expires():
    user = make_user()

    async def scenario() -> tuple[str, int]:
        # A JWT's expiry is whole seconds (rounded down): a 2 s lifetime runs out 1-2 s from now, never at once.
        socket = _socket(bearer=_access(user, lifetime=timedelta(seconds=2)))
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)  # connected
        return await _ended(socket, timeout=5)

    assert asyncio.run(scenario()) == ("token_expired", 4401)


@FAST
def test_a_token_that_runs_out_while_it_is_being_rechecked_is_reported_as_expired(monkeypatch):
    """The watcher reads the clock, then validates the token in a thread: expiry in between is still expiry."""
    from apps.realtime import auth

    user = make_user()
    real_check = auth._check_token
    calls = 0

    async def check_then_run_out(*, raw: str) -> sessions.AccessCheck:
        nonlocal calls
        calls += 1
        if calls == 1:  # the handshake
            return await real_check(raw=raw)
        await asyncio.sleep(2.1)  # the token runs out during the recheck
        return sessions.AccessCheck(user_id=None, error="Token is invalid or expired")

    monkeypatch.setattr(auth, "_check_token", check_then_run_out)

    async def scenario() -> tuple[str, int]:
        socket = _socket(bearer=_access(user, lifetime=timedelta(seconds=2)))
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        return await _ended(socket, timeout=5)

    with override_settings(REALTIME_AUTH_RECHECK_SECONDS=0.01):
        assert asyncio.run(scenario()) == ("token_expired", 4401)


@FAST
def test_a_fresh_token_keeps_the_socket_open_past_the_first_ones_expiry():
    user = make_user()

    async def scenario() -> tuple[dict, bool]:
        # Three seconds: long enough for the handshake on a loaded machine, short enough to wait out.
        socket = _socket(bearer=_access(user, lifetime=timedelta(seconds=3)))
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "auth", "token": _access(user)})
        ok = await socket.receive_json_from(timeout=3)
        still_open = await socket.receive_nothing(timeout=3.5)
        await socket.disconnect()
        return ok, still_open

    ok, still_open = asyncio.run(scenario())

    assert ok["event"] == "auth.ok"
    assert still_open is True


@FAST
def test_another_accounts_token_cannot_take_over_a_socket():
    alice, bob = make_user(), make_user()

    async def scenario() -> tuple[str, int]:
        socket = _socket(bearer=_access(alice))
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "auth", "token": _access(bob)})
        return await _ended(socket)

    assert asyncio.run(scenario()) == ("other_account", 4401)


def _signed_in_with(user: Any) -> tuple[str, str]:
    pair = sessions.token_obtain(user=user)
    return pair["access"], pair["refresh"]


@FAST
@pytest.mark.parametrize(
    "sign_out",
    [
        pytest.param(lambda user, refresh: user_logout_everywhere(user=user), id="signed-out-everywhere"),
        pytest.param(lambda user, refresh: user_logout(refresh=refresh), id="this-session-signed-out"),
        pytest.param(lambda user, refresh: user_erase(user=user), id="account-erased"),
    ],
)
def test_socket_closes_when_its_sign_in_ends(sign_out):
    user = make_user()
    access, refresh = _signed_in_with(user)

    async def scenario() -> tuple[str, int]:
        socket = _socket(bearer=access)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        await sync_to_async(sign_out)(user, refresh)
        return await _ended(socket)

    reason, code = asyncio.run(scenario())

    assert code == 4401
    assert reason == "signed_out"


@FAST
@pytest.mark.parametrize(
    "sign_out",
    [
        pytest.param(lambda user, browser: user_logout_everywhere(user=user), id="signed-out-everywhere"),
        pytest.param(lambda user, browser: browser.logout(), id="this-browser-signed-out"),
    ],
)
def test_session_socket_closes_when_its_sign_in_ends(sign_out):
    user = make_user()
    browser = Client()
    browser.force_login(user)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())

    async def scenario() -> tuple[str, int]:
        socket = _socket(headers=[*SAME_ORIGIN, cookie])
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=3)
        await sync_to_async(sign_out)(user, browser)
        return await _ended(socket)

    assert asyncio.run(scenario()) == ("signed_out", 4401)


@FAST
def test_push_written_by_another_process_reaches_only_its_learner():
    """Database delivery: a push row (as a worker process writes it) streams to the owner's socket only."""
    alice, bob = make_user(), make_user()

    async def scenario() -> tuple[dict, dict, bool]:
        alice_socket = _socket(bearer=_access(alice))
        bob_socket = _socket(bearer=_access(bob))
        assert (await alice_socket.connect())[0]
        assert (await bob_socket.connect())[0]
        hello = await alice_socket.receive_json_from(timeout=3)
        await bob_socket.receive_json_from(timeout=3)
        await sync_to_async(push_to_user)(user_id=alice.pk, type="job.progress", data={"job_id": 7, "progress": 50})
        pushed = await alice_socket.receive_json_from(timeout=3)
        bob_got_nothing = await bob_socket.receive_nothing(timeout=0.5)
        await alice_socket.disconnect()
        await bob_socket.disconnect()
        return hello, pushed, bob_got_nothing

    hello, pushed, bob_got_nothing = asyncio.run(scenario())

    assert hello == {"event": "connected", "data": {"user_id": alice.pk}}
    assert pushed["event"] == "job.progress"
    assert pushed["data"] == {"job_id": 7, "progress": 50}
    assert bob_got_nothing is True
