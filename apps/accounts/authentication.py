"""Credential checks shared by the API and the admin, and the API's JWT authentication.

``LockoutModelBackend`` is the one place where passwords are checked (API sign-in and ``/admin/`` alike): it
refuses an account with too many recent failed sign-ins before looking at the password, and counts failures
per normalised address (``THROTTLE_RATE_SIGNIN_FAILURES``). ``SessionJWTAuthentication`` refuses access tokens
of a session that was signed out (one session, or everywhere).

Two caches keep the per-request cost down (``tests/unit/core/test_api_path.py``):
- a verified access token is kept per process by its exact bytes until it expires, each later use re-checking
  only its expiry, so a token's signature is checked once per process (signing out revokes through the
  session check below, which still runs on every request, never through the signature);
- the account's row and the session's revocation come from ``apps.accounts.liveness``: Django's cache,
  stamped with an epoch that every sign-out, deactivation, erasure or password change bumps after it commits,
  so a signed-out token is refused on the very next request in every process (ADR 0023).
"""

import threading
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from apps.accounts import guards, liveness, sessions
from apps.accounts.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        address = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not isinstance(address, str) or password is None:
            return None
        if guards.signin_wait_seconds(email=address) > 0:
            raise PermissionDenied  # locked: no password is checked, and no other backend is asked
        user = super().authenticate(request, username=guards.normalise_email(address), password=password)
        if user is None:
            guards.signin_record_failure(email=address)
        else:
            guards.signin_record_success(email=address)
        return user


_tokens: dict[bytes, Token] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000


def _remember(store: dict[Any, Any], key: Any, value: Any) -> None:
    with _lock:
        if len(store) >= _MAX_ENTRIES:
            store.clear()
        store[key] = value


class SessionJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _tokens.get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            _remember(_tokens, raw_token, token)
            return token
        try:
            token.check_exp(current_time=aware_utcnow())  # a token's own clock stopped when it was made
        except TokenError:
            _tokens.pop(raw_token, None)
            return super().get_validated_token(raw_token)  # raises simplejwt's own "expired" error
        return token

    def get_user(self, validated_token: Token) -> Any:
        """simplejwt's checks (a user id claim, an existing and active account) and the session's, on the
        account's cached liveness (``apps.accounts.liveness``)."""
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        live = liveness.liveness_of(user_id=user_id, family_id=validated_token.get(sessions.FAMILY_CLAIM))
        if live.user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not live.user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        sessions.token_check_live(payload=validated_token.payload, user=live.user, revoked=live.is_session_revoked)
        return live.user


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the plain JWT bearer scheme it extends (same ``jwtAuth`` name)."""

    target_class = "apps.accounts.authentication.SessionJWTAuthentication"
