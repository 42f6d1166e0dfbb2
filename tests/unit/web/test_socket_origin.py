"""The websocket accepts the pages' session cookie only from the site's own origins; tokens keep working."""

import asyncio
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings
from rest_framework_simplejwt.tokens import AccessToken

from learning_platform.asgi import application
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)
FAST = override_settings(REALTIME_DELIVERY="database", REALTIME_AUTH_TIMEOUT_SECONDS=0.3)


def _cookie(user: Any) -> tuple[bytes, bytes]:
    browser = Client()
    browser.force_login(user)
    return (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())


async def _first(path: str, headers: list[tuple[bytes, bytes]], subprotocols: list[str] | None = None) -> Any:
    """(accepted, first message or the close code)."""
    socket = WebsocketCommunicator(application, path, headers=headers, subprotocols=subprotocols)
    accepted, code = await socket.connect()
    if not accepted:
        return False, code
    first = await socket.receive_json_from(timeout=3)
    await socket.disconnect()
    return True, first


@FAST
@pytest.mark.parametrize(
    "origin",
    [b"https://evil.example.com", b"http://127.0.0.1.evil.example", b"null"],
    ids=["other-site", "look-alike-host", "opaque-origin"],
)
@pytest.mark.parametrize("path", ["/ws/events/", "/ws/chat/1/"])
def test_a_page_of_another_origin_is_refused_even_with_the_learners_cookie(origin, path):
    cookie = _cookie(make_user())

    accepted, _ = asyncio.run(_first(path, [(b"origin", origin), (b"host", b"127.0.0.1"), cookie]))

    assert accepted is False


@FAST
@override_settings(ALLOWED_HOSTS=["platform.internal"], CSRF_TRUSTED_ORIGINS=["https://study.example.org"])
def test_a_trusted_origin_signs_in_with_the_session_cookie():
    user = make_user()

    headers = [(b"origin", b"https://study.example.org"), (b"host", b"platform.internal"), _cookie(user)]

    accepted, hello = asyncio.run(_first("/ws/events/", headers))

    assert accepted is True
    assert hello == {"event": "connected", "data": {"user_id": user.pk}}


@FAST
def test_without_an_origin_a_cookie_signs_nobody_in():
    accepted, first = asyncio.run(_first("/ws/events/", [(b"host", b"127.0.0.1"), _cookie(make_user())]))

    assert accepted is True
    assert first == {"event": "auth.ended", "data": {"reason": "auth_timeout"}}


@FAST
def test_without_an_origin_a_bearer_token_still_signs_in():
    user = make_user()
    token = str(AccessToken.for_user(user))

    accepted, hello = asyncio.run(_first("/ws/events/", [(b"host", b"127.0.0.1")], subprotocols=["bearer", token]))

    assert accepted is True
    assert hello == {"event": "connected", "data": {"user_id": user.pk}}
