"""Credential checks shared by the API and the admin, and the API's JWT authentication.

``LockoutModelBackend`` is the one place where passwords are checked (API sign-in and ``/admin/`` alike): it
refuses an account with too many recent failed sign-ins before looking at the password, and counts failures
per normalised address (``THROTTLE_RATE_SIGNIN_FAILURES``). ``SessionJWTAuthentication`` refuses access tokens
of a session that was signed out (one session, or everywhere).

Two per-process caches keep the per-request cost down (``tests/unit/core/test_api_path.py``):
- a verified access token is kept by its exact bytes until it expires, each later use re-checking only its
  expiry, so a token's signature is checked once per process (signing out revokes through the session check
  below, which still runs on every request, never through the signature);
- the signed-in user's row may be reused for ``AUTH_USER_CACHE_SECONDS``. Off by default (0): the row carries
  the account's sign-out-everywhere counter, and a cached row would let another process accept a signed-out
  token for that long. An operator who accepts that window for one query less per request can turn it on.
"""

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from apps.accounts import guards, sessions
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
_rows: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000


def forget_user(user_id: Any) -> None:
    """Drops a cached row (after changing an account's state in this process)."""
    with _lock:
        _rows.pop(str(user_id), None)


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
        user = self._user_row(validated_token)
        sessions.token_check_live(payload=validated_token.payload, user=user)
        return user

    def _user_row(self, validated_token: Token) -> Any:
        ttl = float(getattr(settings, "AUTH_USER_CACHE_SECONDS", 0))
        if ttl <= 0:
            return super().get_user(validated_token)
        key = str(validated_token.get(api_settings.USER_ID_CLAIM))
        now = time.monotonic()
        cached = _rows.get(key)
        if cached is None or cached[0] < now:
            user = super().get_user(validated_token)  # simplejwt's active and password checks
            _remember(_rows, key, (now + ttl, user))
            return copy.copy(user)
        return copy.copy(cached[1])  # token_check_live checks the account is still active


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the plain JWT bearer scheme it extends (same ``jwtAuth`` name)."""

    target_class = "apps.accounts.authentication.SessionJWTAuthentication"
