from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.services import tokens_flush_expired
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


def _bearer(api_client, access):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")


def test_wrong_password_is_401_with_error_shape(api_client, user):
    response = api_client.post(LOGIN, {"email": user.email, "password": "wrong-password"})

    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message", "request_id"}


def test_access_token_is_short_lived():
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]

    assert isinstance(lifetime, timedelta)
    assert lifetime <= timedelta(minutes=15)


def test_refresh_rotates_and_old_refresh_is_blacklisted(api_client, user):
    tokens = _login(api_client, user)

    rotated = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    reused = api_client.post(REFRESH, {"refresh": tokens["refresh"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    assert reused.status_code == 401


def test_logout_blacklists_refresh_token(api_client, user):
    tokens = _login(api_client, user)
    _bearer(api_client, tokens["access"])

    logout = api_client.post(LOGOUT, {"refresh": tokens["refresh"]})
    refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]})

    assert logout.status_code == 205
    assert refresh.status_code == 401


def test_expired_access_token_is_rejected(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-1))
    _bearer(api_client, str(token))

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_forged_access_token_is_rejected(api_client, user):
    claims = {"token_type": "access", "exp": 4102444800, "iat": 1700000000, "jti": "x", "user_id": str(user.pk)}
    forged = jwt.encode(claims, "not-the-server-secret", algorithm="HS256")
    _bearer(api_client, forged)

    response = api_client.get(ME)

    assert response.status_code == 401


def test_refresh_token_cannot_be_used_as_access_token(api_client, user):
    _bearer(api_client, str(RefreshToken.for_user(user)))

    response = api_client.get(ME)

    assert response.status_code == 401


def test_password_reset_signs_out_everywhere(api_client, user, django_capture_on_commit_callbacks):
    tokens = _login(api_client, user)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/password-reset/", {"email": user.email})
    body = mail.outbox[0].body
    uid, token = body.split("uid=")[1].split("&token=")
    token = token.strip()

    confirm = api_client.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "brand-new-passphrase-7"}
    )
    old_refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]})
    new_login = api_client.post(LOGIN, {"email": user.email, "password": "brand-new-passphrase-7"})

    assert confirm.status_code == 200
    assert old_refresh.status_code == 401
    assert new_login.status_code == 200


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(api_client):
    response = api_client.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 202
    assert mail.outbox == []


def test_flush_removes_only_expired_tokens(user):
    live = RefreshToken.for_user(user)
    expired = RefreshToken.for_user(user)
    OutstandingToken.objects.filter(jti=expired["jti"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    deleted = tokens_flush_expired()

    assert deleted == 1
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [live["jti"]]


@pytest.mark.parametrize("refresh", ["0" * 300, "not-a-token", "a.b.c"], ids=["zeros", "word", "three-parts"])
def test_logout_with_a_token_that_signs_nothing_in_succeeds(auth_client, refresh):
    response = auth_client.post(LOGOUT, {"refresh": refresh})

    assert response.status_code == 205


def test_logout_without_a_refresh_token_is_a_validation_error(auth_client):
    response = auth_client.post(LOGOUT, {})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
