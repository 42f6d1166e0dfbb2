"""JWT authentication that remembers verified tokens and the signed-in user's row for a few seconds.

A token's signature is checked once per process: a verified access token is kept (by its exact bytes) until
it expires, and each later use only checks its expiry again. Access tokens cannot be revoked before they
expire in simplejwt (only refresh tokens are blacklisted), so this changes nothing about what is accepted.

simplejwt loads the user by primary key on every request: one query (compiled, sent, read) per call, a
third of the work of a small list endpoint. The token already proves who is calling; the row is needed
only to check that the account is still active and its password unchanged. Those checks still run on every
request, against a copy of the row at most ``AUTH_USER_CACHE_SECONDS`` old (0 turns the cache off). The
window is the cost: an account deactivated or erased on another process keeps working for at most that long
(the process that erases it forgets it at once).
"""

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

_rows: dict[Any, tuple[float, Any]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000


def forget_user(user_id: Any) -> None:
    """Drops a cached row (call after changing an account's state in this process)."""
    with _lock:
        _rows.pop(str(user_id), None)


_tokens: dict[bytes, Token] = {}


class CachedUserJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _tokens.get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            with _lock:
                if len(_tokens) >= _MAX_ENTRIES:
                    _tokens.clear()
                _tokens[raw_token] = token
            return token
        try:
            token.check_exp(current_time=aware_utcnow())  # a token's own clock stopped when it was made
        except TokenError:
            _tokens.pop(raw_token, None)
            return super().get_validated_token(raw_token)  # raises simplejwt's own "expired" error
        return token

    def get_user(self, validated_token: Token) -> Any:
        ttl = float(getattr(settings, "AUTH_USER_CACHE_SECONDS", 0))
        if ttl <= 0:
            return super().get_user(validated_token)
        key = str(validated_token.get(api_settings.USER_ID_CLAIM))
        now = time.monotonic()
        cached = _rows.get(key)
        if cached is None or cached[0] < now:
            user = super().get_user(validated_token)
            with _lock:
                if len(_rows) >= _MAX_ENTRIES:
                    _rows.clear()
                _rows[key] = (now + ttl, user)
            return copy.copy(user)
        return self._checked(validated_token, copy.copy(cached[1]))

    def _checked(self, validated_token: Token, user: Any) -> Any:
        """The checks simplejwt makes on a freshly loaded row, made on the cached one."""
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user
