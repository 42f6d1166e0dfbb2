"""The pages behind the e-mailed links: GET shows a form and changes nothing; POST does the work."""

import pytest

from apps.accounts.tokens import email_verification_token, encode_uid, password_reset_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_verification_link_get_changes_nothing_post_verifies(client):
    user = make_user(is_email_verified=False)
    params = {"uid": encode_uid(user), "token": email_verification_token.make_token(user)}

    shown = client.get("/verify-email", params)
    user.refresh_from_db()
    verified_after_get = user.is_email_verified
    confirmed = client.post("/verify-email", params)
    user.refresh_from_db()

    assert shown.status_code == 200
    assert b"Confirm" in shown.content
    assert verified_after_get is False
    assert confirmed.status_code == 200
    assert b"confirmed" in confirmed.content
    assert user.is_email_verified is True


def test_verification_page_rejects_a_bad_token(client):
    user = make_user(is_email_verified=False)

    response = client.post("/verify-email", {"uid": encode_uid(user), "token": "nope"})

    assert response.status_code == 400
    assert b"invalid or has expired" in response.content


def test_reset_page_changes_the_password(client):
    user = make_user()
    params = {"uid": encode_uid(user), "token": password_reset_token.make_token(user)}

    response = client.post("/reset-password", {**params, "new_password": "another-long-passphrase-9"})
    user.refresh_from_db()

    assert response.status_code == 200
    assert user.check_password("another-long-passphrase-9")


def test_reset_page_shows_password_rules(client):
    user = make_user()
    params = {"uid": encode_uid(user), "token": password_reset_token.make_token(user)}

    response = client.post("/reset-password", {**params, "new_password": "12345678"})

    assert response.status_code == 400
    assert b"too common" in response.content
