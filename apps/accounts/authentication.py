"""Credential checks shared by the API and the admin, and the API's JWT authentication.

``LockoutModelBackend`` is the one place where passwords are checked (API sign-in and ``/admin/`` alike): it
refuses an account with too many recent failed sign-ins before looking at the password, and counts failures
per normalised address (``THROTTLE_RATE_SIGNIN_FAILURES``). ``SessionJWTAuthentication`` refuses access tokens
of a session that was signed out (one session, or everywhere).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import Token

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


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        sessions.token_check_live(payload=validated_token.payload, user=user)  # type: ignore[arg-type]
        return user


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the plain JWT bearer scheme it extends (same ``jwtAuth`` name)."""

    target_class = "apps.accounts.authentication.SessionJWTAuthentication"
