"""Refresh rotation is atomic, and a refresh token used twice signs its whole sign-in out (token family)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken

from apps.accounts.models import RefreshTokenFamily
from apps.accounts.services import tokens_flush_expired, user_logout_everywhere
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def _login(api_client, user):
    response = api_client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def _me(api_client, access):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api_client.get(ME)
    api_client.credentials()
    return response


def test_reusing_a_rotated_refresh_token_revokes_the_whole_sign_in(api_client, user):
    first = _login(api_client, user)
    second = api_client.post(REFRESH, {"refresh": first["refresh"]}).json()

    reused = api_client.post(REFRESH, {"refresh": first["refresh"]})
    successor = api_client.post(REFRESH, {"refresh": second["refresh"]})
    access = _me(api_client, second["access"])

    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_reused"
    assert successor.status_code == 401
    assert successor.json()["error"]["code"] == "token_revoked"
    assert access.status_code == 401
    assert access.json()["error"]["code"] == "token_revoked"
    assert RefreshTokenFamily.objects.get().revoked_reason == "reused"


def test_a_revoked_sign_in_leaves_the_accounts_other_sign_ins_alone(api_client, user):
    stolen = _login(api_client, user)
    other_device = _login(api_client, user)
    api_client.post(REFRESH, {"refresh": stolen["refresh"]})
    api_client.post(REFRESH, {"refresh": stolen["refresh"]})

    refreshed = api_client.post(REFRESH, {"refresh": other_device["refresh"]})

    assert refreshed.status_code == 200
    assert _me(api_client, refreshed.json()["access"]).status_code == 200


def test_refresh_race_has_one_winner_even_when_both_pass_the_blacklist_check(api_client, user, monkeypatch):
    """Forces the check-then-insert race: the loser's blacklist lookup misses the winner's row (not committed yet
    in a real race). The insert's unique constraint must still fail the loser."""
    tokens = _login(api_client, user)
    monkeypatch.setattr(BlacklistMixin, "check_blacklist", lambda self: None)

    statuses = [api_client.post(REFRESH, {"refresh": tokens["refresh"]}).status_code for _ in range(2)]

    assert statuses == [200, 401]


def test_logout_ends_the_sessions_access_token_too(api_client, user):
    tokens = _login(api_client, user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}).status_code == 205

    access = _me(api_client, tokens["access"])
    refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]})

    assert access.status_code == 401
    assert access.json()["error"]["code"] == "token_revoked"
    assert refresh.status_code == 401


def test_signing_out_everywhere_refuses_every_older_token_at_once(api_client, user):
    one, two = _login(api_client, user), _login(api_client, user)

    user_logout_everywhere(user=user)
    after = _login(api_client, user)

    assert [_me(api_client, t["access"]).status_code for t in (one, two)] == [401, 401]
    assert api_client.post(REFRESH, {"refresh": two["refresh"]}).status_code == 401
    assert _me(api_client, after["access"]).status_code == 200


def test_flush_removes_expired_families(user, api_client):
    _login(api_client, user)
    live = _login(api_client, user)
    expired = RefreshTokenFamily.objects.order_by("created_at")[0]
    RefreshTokenFamily.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    tokens_flush_expired()

    assert RefreshTokenFamily.objects.count() == 1
    assert api_client.post(REFRESH, {"refresh": live["refresh"]}).status_code == 200


def test_a_token_from_before_families_gets_one_on_its_next_refresh(api_client, user):
    legacy = RefreshToken.for_user(user)  # plain simplejwt: no family, no generation

    first = api_client.post(REFRESH, {"refresh": str(legacy)}).json()
    reused = api_client.post(REFRESH, {"refresh": str(legacy)})
    second = api_client.post(REFRESH, {"refresh": first["refresh"]}).json()
    reused_in_family = api_client.post(REFRESH, {"refresh": first["refresh"]})

    assert reused.status_code == 401  # refused; it names no family to revoke
    assert reused_in_family.json()["error"]["code"] == "token_reused"
    assert api_client.post(REFRESH, {"refresh": second["refresh"]}).status_code == 401
    assert RefreshTokenFamily.objects.get().revoked_reason == "reused"
