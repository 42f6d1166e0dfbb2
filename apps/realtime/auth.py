"""Websocket sign-in, shared by every consumer (events today, chat next). See docs/architecture.md, "Real time".

A client signs in one of three ways; a token never travels in the URL (query strings land in access logs):

1. ``Sec-WebSocket-Protocol: bearer, <access token>``: the server accepts with the subprotocol ``bearer`` only.
2. The Django session cookie (the learner web app, the admin); ``websocket_auth_stack`` checks the Origin: a
   handshake with an Origin outside ``ALLOWED_HOSTS`` and ``CSRF_TRUSTED_ORIGINS`` is refused (403), and one
   without any Origin (never a browser) has its cookies dropped, so it can sign in only with a token.
3. A first message ``{"type": "auth", "token": "<access token>"}`` within ``REALTIME_AUTH_TIMEOUT_SECONDS``.

While the socket is open it stays tied to that sign-in: it closes with 4401 (after an ``auth.ended`` message
saying why) when the access token expires, when the session is signed out (one session or everywhere) or
the account is erased. Re-checked every ``REALTIME_AUTH_RECHECK_SECONDS`` and at once when accounts announce
a sign-out. A client keeps a socket open past its token's expiry by sending a fresh token in another
``auth`` message (same account).
"""

import asyncio
import logging
import time
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import OriginValidator
from django.conf import settings

from apps.accounts import sessions
from apps.realtime.services import auth_group

logger = logging.getLogger(__name__)

#: Close code for "not signed in, or no longer": the HTTP 401 of websockets.
UNAUTHENTICATED = 4401
#: Close code for "the server could not sign you in just now": the database or the channel layer failed during
#: the handshake. RFC 6455's Try Again Later (1013) moved into the application range: daphne sends only 1000 and
#: 3000-4999, and raised on 1013 (the socket then died with 1011).
TRY_AGAIN_LATER = 4013
BEARER_SUBPROTOCOL = "bearer"


def allowed_origins() -> list[str]:
    """Where a page that opens a websocket may come from: the site's hosts (any scheme) and the trusted origins
    of its forms (``https://*.example.com`` in Django's spelling is ``.example.com`` in Channels')."""
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts + [origin.replace("://*.", "://.") for origin in settings.CSRF_TRUSTED_ORIGINS]


class SiteOriginValidator:
    """Refuses a handshake from a foreign Origin; drops the cookies of one without an Origin.

    A browser always sends its page's Origin on a websocket handshake, and it also sends the site's cookies
    from any page: checking the Origin is what keeps another site's page from using a learner's session
    (cross-site websocket hijacking). A client without an Origin is a program, not a page: it may connect,
    but only a token (bearer subprotocol or ``auth`` message) signs it in, never a cookie it carries.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = list(scope.get("headers") or [])
        if not any(name == b"origin" for name, _ in headers):
            without_cookies = {**scope, "headers": [(n, v) for n, v in headers if n != b"cookie"]}
            return await self.inner(without_cookies, receive, send)
        return await OriginValidator(self.inner, allowed_origins())(scope, receive, send)


def websocket_auth_stack(inner: Any) -> Any:
    """The ASGI stack every websocket route sits behind: Origin checked (see ``SiteOriginValidator``), session
    loaded."""
    return SiteOriginValidator(AuthMiddlewareStack(inner))


def bearer_token(subprotocols: list[str]) -> str | None:
    """The token offered as ``["bearer", "<token>"]`` in Sec-WebSocket-Protocol, if any."""
    if BEARER_SUBPROTOCOL in subprotocols:
        index = subprotocols.index(BEARER_SUBPROTOCOL)
        if index + 1 < len(subprotocols):
            return subprotocols[index + 1]
    return None


_check_token = database_sync_to_async(sessions.access_token_check)
_session_live = database_sync_to_async(sessions.session_user_still_live)
_generation_of = database_sync_to_async(sessions.session_generation_of)


class AuthenticatedJsonWebsocketConsumer(AsyncJsonWebsocketConsumer):
    """A JSON websocket for a signed-in learner. Subclasses implement ``on_authenticated`` (join groups, greet)
    and ``receive_authenticated`` (messages after sign-in); ``self.user_id`` is the learner's id."""

    user_id: int | None = None
    _token: str | None = None
    _token_expires_at: float = 0.0
    _generation: int | None = None  # set when signed in with the session cookie
    _watcher: asyncio.Task[None] | None = None

    # -- hooks for subclasses -------------------------------------------------------------------------------
    async def on_authenticated(self) -> None:
        """Called once, when the socket is signed in."""

    async def receive_authenticated(self, content: Any) -> None:
        """A message from a signed-in client (other than ``auth``)."""

    async def on_disconnected(self, code: int) -> None:
        """Called when the socket closes (signed in or not)."""

    # -- the handshake --------------------------------------------------------------------------------------
    async def websocket_connect(self, message: dict[str, Any]) -> None:
        """The handshake's outermost boundary: a failure of the database or the channel layer while signing in
        is logged and the socket closed with 4013 (try again later), not left to crash the consumer (1011,
        with nothing said)."""
        try:
            await super().websocket_connect(message)
        except Exception:
            logger.exception("websocket sign-in failed", extra={"path": self.scope.get("path")})
            await self.close(code=TRY_AGAIN_LATER)

    async def connect(self) -> None:
        offered = bearer_token(list(self.scope.get("subprotocols") or []))
        if offered is not None:
            check = await _check_token(raw=offered)
            if check.user_id is None:
                await self.close(code=UNAUTHENTICATED)
                return
            await self.accept(subprotocol=BEARER_SUBPROTOCOL)
            await self._signed_in(check, offered)
            return
        user = self.scope.get("user")
        await self.accept()
        if user is not None and user.is_authenticated:
            self._generation = await _generation_of(user_id=user.pk)
            self.user_id = user.pk
            await self._start()
            return
        self._watcher = asyncio.create_task(self._await_auth_message())

    async def _await_auth_message(self) -> None:
        await asyncio.sleep(settings.REALTIME_AUTH_TIMEOUT_SECONDS)
        if self.user_id is None:
            await self._end("auth_timeout")

    async def _signed_in(self, check: sessions.AccessCheck, token: str) -> None:
        self._token, self._token_expires_at = token, check.expires_at
        if self.user_id is None:
            self.user_id = check.user_id
            await self._start()

    async def _start(self) -> None:
        assert self.user_id is not None
        if self._watcher is not None:
            self._watcher.cancel()
        self._watcher = asyncio.create_task(self._watch())
        await self.channel_layer.group_add(auth_group(self.user_id), self.channel_name)
        await self.on_authenticated()

    # -- messages -------------------------------------------------------------------------------------------
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "auth":
            await self._receive_auth(content.get("token"))
        elif self.user_id is None:
            await self._end("auth_required")
        else:
            await self.receive_authenticated(content)

    async def _receive_auth(self, token: Any) -> None:
        check = await _check_token(raw=token) if isinstance(token, str) and token else None
        if check is None or check.user_id is None:
            await self._end("token_not_valid")
        elif self.user_id is not None and check.user_id != self.user_id:
            await self._end("other_account")
        else:
            await self.send_json({"event": "auth.ok", "data": {"expires_at": int(check.expires_at)}})
            await self._signed_in(check, token)

    # -- staying signed in ----------------------------------------------------------------------------------
    async def _watch(self) -> None:
        """Closes the socket when its token expires or its sign-in ends; re-checks now and then."""
        while True:
            interval = float(settings.REALTIME_AUTH_RECHECK_SECONDS)
            if self._token is not None:
                interval = min(interval, max(0.0, self._token_expires_at - time.time()))
            await asyncio.sleep(interval)
            reason = await self._still_signed_in()
            if reason is not None:
                await self._end(reason)
                return

    async def _still_signed_in(self) -> str | None:
        """None while the sign-in holds, else why it ended."""
        if self._token is not None:
            if time.time() >= self._token_expires_at:
                return "token_expired"
            check = await _check_token(raw=self._token)
            if check.user_id == self.user_id:
                return None
            # The token may have run out while it was being checked: that is an expiry, not a sign-out.
            return "token_expired" if time.time() >= self._token_expires_at else "signed_out"
        assert self.user_id is not None
        assert self._generation is not None
        session = self.scope.get("session")
        if session is None or not await database_sync_to_async(session.exists)(session.session_key):
            return "signed_out"  # this browser signed out (its session is gone)
        return None if await _session_live(user_id=self.user_id, generation=self._generation) else "signed_out"

    async def auth_recheck(self, message: dict[str, Any]) -> None:
        """Sent to the learner's group when accounts signs the learner out (see ``sockets_recheck_user``)."""
        if self.user_id is None:
            return
        reason = await self._still_signed_in()
        if reason is not None:
            await self._end(reason)

    async def _end(self, reason: str) -> None:
        await self.send_json({"event": "auth.ended", "data": {"reason": reason}})
        await self.close(code=UNAUTHENTICATED, reason=reason)

    async def disconnect(self, code: int) -> None:
        if self._watcher is not None and self._watcher is not asyncio.current_task():
            self._watcher.cancel()
        if self.user_id is not None:
            await self.channel_layer.group_discard(auth_group(self.user_id), self.channel_name)
        await self.on_disconnected(code)
