import re
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, make_user

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

    assert response.status_code == 202
    assert User.objects.get().email == "ada@example.com"
    assert User.objects.get().is_email_verified is False
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


def test_registering_a_taken_address_answers_like_a_new_one_and_mails_the_owner(
    api_client, django_capture_on_commit_callbacks
):
    """Registration must not tell whether an address has an account; its owner hears about the attempt."""
    owner = make_user(email="ada@example.com")
    new = _register(api_client, django_capture_on_commit_callbacks, "grace@example.com")

    taken = _register(api_client, django_capture_on_commit_callbacks, "ADA@example.com")

    assert taken.status_code == new.status_code == 202
    assert taken.json() == new.json()
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    owner_mail = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert [m.subject for m in owner_mail] == ["Someone tried to register with your address"]
    assert "verify-email" not in owner_mail[0].body
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)  # the attempt changed nothing on the account


def test_registering_an_unverified_address_again_sends_a_new_link(api_client, django_capture_on_commit_callbacks):
    _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")

    again = _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")

    assert again.status_code == 202
    assert [m.subject for m in mail.outbox] == ["Confirm your e-mail address"] * 2
    assert User.objects.count() == 1


def test_weak_password_is_refused_for_a_taken_address_too(api_client):
    """The password is judged before the address is looked up, so a 400 says nothing about the address."""
    make_user(email="ada@example.com")

    taken = api_client.post(REGISTER, {"email": "ada@example.com", "password": "password123"})
    new = api_client.post(REGISTER, {"email": "grace@example.com", "password": "password123"})

    assert taken.status_code == new.status_code == 400
    assert taken.json()["error"]["details"] == new.json()["error"]["details"]


def test_registration_losing_a_race_to_the_same_address_is_not_a_500(
    api_client, django_capture_on_commit_callbacks, monkeypatch
):
    """Forces the race deterministically: the address is free when looked up, taken when inserted."""
    make_user(email="ada@example.com")
    real_filter = User.objects.filter
    lookups: list[dict] = []

    def lookup_misses_once(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        if "email__iexact" in kwargs and not lookups:
            lookups.append(kwargs)
            return queryset.none()  # the concurrent registration has not committed yet
        return queryset

    monkeypatch.setattr(User.objects, "filter", lookup_misses_once)

    response = _register(api_client, django_capture_on_commit_callbacks, "ada@example.com")

    assert lookups, "the race was not forced"
    assert response.status_code == 202
    assert User.objects.filter(email="ada@example.com").count() == 1
    assert [m.subject for m in mail.outbox] == ["Someone tried to register with your address"]


def test_verification_and_reset_mails_are_limited_per_address(api_client, django_capture_on_commit_callbacks):
    """No mail-bombing: past THROTTLE_RATE_MAIL (3/hour) an address gets no more mails, and the answer stays."""
    make_user(email="victim@example.com", is_email_verified=False)
    answers = []
    for endpoint in ["/api/v1/auth/verify-email/resend/", "/api/v1/auth/password-reset/"] * 3:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(endpoint, {"email": "victim@example.com"})
        answers.append((response.status_code, response.json()["detail"]))
    unknown = api_client.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"})

    assert len(mail.outbox) == 3
    assert {status for status, _ in answers} == {202}
    assert answers[1] == answers[3] == answers[5]  # the reset answer before and after the budget ran out
    assert (unknown.status_code, unknown.json()["detail"]) == answers[1]


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
