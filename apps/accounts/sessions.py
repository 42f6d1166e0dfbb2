"""Sign-in sessions: refresh-token families, atomic rotation, revocation (one session, or everywhere).

Every sign-in starts a family (``RefreshTokenFamily``); its refresh tokens and the access tokens made from them
carry the family id (claim ``fam``) and the account's session generation (claim ``gen``). A refresh token is
exchanged at most once: rotation inserts it into simplejwt's blacklist, whose unique constraint lets exactly
one of two concurrent refreshes win. A token of a live family that comes back after it was exchanged is a
copy (theft, or a client racing itself): the family is revoked and every token of it refused (401
``token_reused``, then ``token_revoked``). "Sign out everywhere" (password reset, erasure) raises the
account's generation, which refuses every older token at once, access tokens included.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, BlacklistMixin, RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.accounts import liveness
from apps.accounts.models import RefreshTokenFamily, User

logger = logging.getLogger(__name__)

FAMILY_CLAIM = "fam"
GENERATION_CLAIM = "gen"

REVOKED_MESSAGE = "This session was signed out; sign in again."
REUSED_MESSAGE = "This refresh token was already used; the session was signed out to protect the account."


class FamilyRefreshToken(RefreshToken):
    """A refresh token that opens a new family on sign-in."""

    @classmethod
    def for_user(cls, user: Any) -> "FamilyRefreshToken":
        token: FamilyRefreshToken = super(BlacklistMixin, cls).for_user(user)  # claims only, not outstanding yet
        family = RefreshTokenFamily.objects.create(user=user, expires_at=datetime_from_epoch(token["exp"]))
        token[FAMILY_CLAIM] = str(family.pk)
        token[GENERATION_CLAIM] = user.session_generation
        token.outstand()
        return token


class _PresentedRefreshToken(RefreshToken):
    """Checks signature, expiry and type only: rotation checks the blacklist itself, under its constraint."""

    def verify(self) -> None:
        Token.verify(self)


def _revoked(message: str = REVOKED_MESSAGE, code: str = "token_revoked") -> AuthenticationFailed:
    return AuthenticationFailed(message, code)


def token_liveness_error(*, payload: Any, user: User, revoked: bool | None = None) -> str | None:
    """Why a valid token of ``user`` no longer counts (signed out, erased), or None while it does.

    ``revoked``: whether the token's session was signed out, when the caller already knows (from
    ``apps.accounts.liveness``); None reads it from the database.
    """
    if not user.is_active or user.erased_at is not None:
        return "The account is no longer active."
    if int(payload.get(GENERATION_CLAIM, 0)) != user.session_generation:
        return "This account was signed out everywhere; sign in again."
    family_id = payload.get(FAMILY_CLAIM)
    if revoked is None:
        revoked = bool(family_id) and RefreshTokenFamily.objects.filter(pk=family_id, revoked_at__isnull=False).exists()
    if revoked:
        return REVOKED_MESSAGE
    return None


def token_check_live(*, payload: Any, user: User, revoked: bool | None = None) -> None:
    """Raises 401 ``token_revoked`` for a token of a revoked session (used for every API request)."""
    error = token_liveness_error(payload=payload, user=user, revoked=revoked)
    if error is not None:
        raise _revoked(error)


@dataclass(frozen=True)
class AccessCheck:
    """The outcome of checking an access token outside DRF (websockets)."""

    user_id: int | None
    expires_at: float = 0.0
    error: str | None = None


def access_token_check(*, raw: str) -> AccessCheck:
    """Validates an access token and its session; the user id and expiry (epoch seconds) when it is good."""
    try:
        token = AccessToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        return AccessCheck(user_id=None, error=str(exc))
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM)).first()
    if user is None:
        return AccessCheck(user_id=None, error="No account for this token.")
    error = token_liveness_error(payload=token.payload, user=user)
    if error is not None:
        return AccessCheck(user_id=None, error=error)
    return AccessCheck(user_id=user.pk, expires_at=float(token["exp"]))


def access_token_still_live(*, raw: str) -> bool:
    """For an open websocket: its token has not expired and its session was not signed out."""
    return access_token_check(raw=raw).user_id is not None


def session_user_still_live(*, user_id: int, generation: int) -> bool:
    """For a websocket signed in with a session cookie: the account is active and was not signed out everywhere."""
    return User.objects.filter(
        pk=user_id, is_active=True, erased_at__isnull=True, session_generation=generation
    ).exists()


def session_generation_of(*, user_id: int) -> int | None:
    return User.objects.filter(pk=user_id).values_list("session_generation", flat=True).first()


def token_obtain(*, user: User) -> dict[str, str]:
    """A new family's first refresh token and an access token (sign-in)."""
    refresh = FamilyRefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def token_rotate(*, refresh: str) -> dict[str, str]:
    """Exchanges a refresh token for a new pair, once; a second exchange revokes the token's family."""
    try:
        token = _PresentedRefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidToken({"detail": str(exc), "code": "token_not_valid"}) from exc
    outcome = _rotate(token)
    if isinstance(outcome, AuthenticationFailed):
        raise outcome  # raised after the transaction committed, so a family revocation sticks
    return outcome


@transaction.atomic
def _rotate(token: RefreshToken) -> dict[str, str] | AuthenticationFailed:
    user = User.objects.filter(pk=token.get(api_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        return AuthenticationFailed("No active account found for the given token.", "no_active_account")
    family_id = token.get(FAMILY_CLAIM)
    error = token_liveness_error(payload=token.payload, user=user)
    if error is not None:
        return _revoked(error)
    if family_id and not RefreshTokenFamily.objects.filter(pk=family_id).exists():
        return _revoked()
    outstanding = OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).first()
    if outstanding is None:
        return AuthenticationFailed("Token is invalid or expired.", "token_not_valid")
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        if not family_id:
            return AuthenticationFailed("Token is blacklisted.", "token_not_valid")
        _revoke_families(RefreshTokenFamily.objects.filter(pk=family_id), RefreshTokenFamily.RevokedReason.REUSED)
        logger.warning("refresh token reused: session revoked", extra={"user_id": user.pk, "family": family_id})
        return _revoked(REUSED_MESSAGE, "token_reused")
    token.set_jti()
    token.set_exp()
    token.set_iat()
    expires_at = datetime_from_epoch(token["exp"])
    if family_id:
        RefreshTokenFamily.objects.filter(pk=family_id).update(expires_at=expires_at)
    else:  # a token from before families: its sign-in gets one from now on
        token[FAMILY_CLAIM] = str(RefreshTokenFamily.objects.create(user=user, expires_at=expires_at).pk)
        token[GENERATION_CLAIM] = user.session_generation
    token.outstand()
    return {"refresh": str(token), "access": str(token.access_token)}


def _revoke_families(families: Any, reason: str) -> int:
    revoked = int(families.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=reason))
    if revoked:
        liveness.epoch_bump_around_commit()  # the cached "session is live" of these families goes stale
    return revoked


def token_sign_out(*, refresh: str) -> int | None:
    """Signs out one session: blacklists the refresh token and revokes its family (its access tokens too).

    Returns the id of the token's account.
    """
    token = RefreshToken(refresh)  # type: ignore[arg-type]  # raises TokenError when invalid or blacklisted
    token.blacklist()
    family_id = token.get(FAMILY_CLAIM)
    if family_id:
        _revoke_families(RefreshTokenFamily.objects.filter(pk=family_id), RefreshTokenFamily.RevokedReason.SIGNED_OUT)
    user_id = token.get(api_settings.USER_ID_CLAIM)
    return int(user_id) if user_id is not None else None


def sessions_revoke_all(*, user: User) -> int:
    """Signs out every session of ``user``: raises its generation, revokes its families, blacklists its tokens."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    liveness.epoch_bump_around_commit()  # a queryset update sends no post_save
    user.refresh_from_db(fields=["session_generation"])
    _revoke_families(
        RefreshTokenFamily.objects.filter(user=user), RefreshTokenFamily.RevokedReason.SIGNED_OUT_EVERYWHERE
    )
    count = 0
    for outstanding in OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()):
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        count += int(created)
    return count


def sessions_flush_expired() -> int:
    """Deletes expired refresh tokens (with their blacklist entries) and expired families."""
    now = timezone.now()
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    RefreshTokenFamily.objects.filter(expires_at__lte=now).delete()
    return deleted
