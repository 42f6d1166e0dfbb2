import re
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/token/"
VERIFY = "/api/v1/auth/verify-email/"
PASSWORD = "a-long-unusual-passphrase-42"


def _link_params(body: object) -> dict[str, str]:
    match = re.search(r"uid=([\w-]+)&token=([\w-]+)", str(body))
    assert match, body
    return {"uid": match.group(1), "token": match.group(2)}


def _register(api_client: APIClient, django_capture_on_commit_callbacks: Any, email: str) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return api_client.post(REGISTER, {"email": email, "password": PASSWORD, "display_name": "Ada"})


def test_register_creates_unverified_user_and_mails_a_link(api_client, django_capture_on_commit_callbacks):
    response = _register(api_client, django_capture_on_commit_callbacks, "Ada@Example.com")

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["is_email_verified"] is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert "verify-email?uid=" in mail.outbox[0].body


def test_unverified_user_cannot_sign_in(api_client, django_capture_on_commit_callbacks):
    _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")

    response = api_client.post(LOGIN, {"email": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "email_not_verified"


def test_verification_link_verifies_once_then_sign_in_works(api_client, django_capture_on_commit_callbacks):
    _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")
    params = _link_params(mail.outbox[0].body)

    first = api_client.post(VERIFY, params)
    second = api_client.post(VERIFY, params)
    login = api_client.post(LOGIN, {"email": "ada@example.com", "password": PASSWORD})

    assert first.status_code == 200
    assert second.status_code == 400
    assert login.status_code == 200
    assert set(login.json()) == {"access", "refresh"}


def test_register_duplicate_email_is_rejected_case_insensitively(api_client, django_capture_on_commit_callbacks):
    _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")

    response = _register(api_client, django_capture_on_commit_callbacks, "ADA@example.com")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "email" in response.json()["error"]["details"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"email": "not-an-email", "password": PASSWORD}, "email", id="bad-email"),
        pytest.param({"email": "a@example.com", "password": "short"}, "password", id="short-password"),
        pytest.param({"email": "a@example.com", "password": "password123"}, "password", id="common-password"),
        pytest.param({"password": PASSWORD}, "email", id="missing-email"),
    ],
)
def test_register_rejects_bad_input_with_field_errors(api_client, payload, field):
    response = api_client.post(REGISTER, payload)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert User.objects.count() == 0


def test_tampered_verification_token_is_rejected(api_client, django_capture_on_commit_callbacks):
    _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")
    params = _link_params(mail.outbox[0].body)

    response = api_client.post(VERIFY, {**params, "token": params["token"][:-2] + "xx"})

    assert response.status_code == 400
    assert User.objects.get().is_email_verified is False
