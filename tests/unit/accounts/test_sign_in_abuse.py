"""Sign-in abuse: failed sign-ins per account, refresh apart from sign-in, the admin's sign-in page."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def rates(settings):
    """Throttle rates are settings (DRF caches them on the throttle class): each test sets the ones it needs."""
    original = SimpleRateThrottle.THROTTLE_RATES

    def use(**overrides: str) -> None:
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **overrides}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        SimpleRateThrottle.THROTTLE_RATES = rates

    yield use
    SimpleRateThrottle.THROTTLE_RATES = original


def _from(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def _sign_in(client, email: str, password: str):
    return client.post(LOGIN, {"email": email, "password": password})


def test_failed_sign_ins_lock_the_account_whatever_address_they_come_from(rates):
    rates(signin_failures="3/15min")
    user = make_user()

    failures = [_sign_in(_from(f"10.0.0.{n}"), user.email, "wrong").status_code for n in range(3)]
    locked = _sign_in(_from("10.0.1.1"), user.email.upper(), DEFAULT_PASSWORD)

    assert failures == [401, 401, 429]
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "signin_locked"
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert locked.json()["error"]["retry_after_seconds"] == int(locked["Retry-After"])


def test_a_locked_account_does_not_lock_others(rates):
    rates(signin_failures="2/15min")
    victim, bystander = make_user(), make_user()
    for _ in range(2):
        _sign_in(_from("10.0.0.1"), victim.email, "wrong")

    assert _sign_in(_from("10.0.0.1"), bystander.email, DEFAULT_PASSWORD).status_code == 200


def test_a_success_clears_the_failures(rates):
    rates(signin_failures="3/15min")
    user = make_user()
    for _ in range(2):
        _sign_in(_from("10.0.0.1"), user.email, "wrong")

    assert _sign_in(_from("10.0.0.1"), user.email, DEFAULT_PASSWORD).status_code == 200
    assert [_sign_in(_from("10.0.0.1"), user.email, "wrong").status_code for _ in range(2)] == [401, 401]


def test_the_lock_says_nothing_about_whether_the_address_has_an_account(rates):
    rates(signin_failures="2/15min")
    user = make_user()

    known = [_sign_in(_from("10.0.0.1"), user.email, "wrong").status_code for _ in range(3)]
    unknown = [_sign_in(_from("10.0.0.2"), "nobody@example.com", "wrong").status_code for _ in range(3)]

    assert known == unknown == [401, 429, 429]


def test_refresh_has_a_budget_apart_from_sign_in(rates):
    """A school behind one NAT: its sign-ins use up ``auth``, its learners' refreshes still go through."""
    rates(auth="2/min", refresh="100/min")
    user = make_user()
    school = _from("203.0.113.7")
    tokens = _sign_in(school, user.email, DEFAULT_PASSWORD).json()
    _sign_in(school, user.email, DEFAULT_PASSWORD)

    over = _sign_in(school, user.email, DEFAULT_PASSWORD)
    refreshed = school.post(REFRESH, {"refresh": tokens["refresh"]})

    assert over.status_code == 429
    assert over.json()["error"]["code"] == "throttled"
    assert refreshed.status_code == 200


def test_refresh_is_limited_per_address(rates):
    rates(refresh="1/min")
    user = make_user()
    tokens = _sign_in(_from("10.0.0.1"), user.email, DEFAULT_PASSWORD).json()
    first = _from("10.0.0.1").post(REFRESH, {"refresh": tokens["refresh"]})

    second = _from("10.0.0.1").post(REFRESH, {"refresh": first.json()["refresh"]})

    assert second.status_code == 429


def _admin_sign_in(address: str, email: str, password: str):
    client = Client(REMOTE_ADDR=address)
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def test_admin_sign_in_works_and_shares_the_accounts_lock(rates):
    rates(signin_failures="2/15min")
    staff = make_user(is_staff=True, is_superuser=True)
    ok = _admin_sign_in("10.0.0.1", staff.email, DEFAULT_PASSWORD)
    for _ in range(2):
        _sign_in(_from("10.0.0.2"), staff.email, "wrong")

    locked = _admin_sign_in("10.0.0.3", staff.email, DEFAULT_PASSWORD)

    assert ok.status_code == 302
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "failed sign-ins" in locked.content.decode()


def test_admin_failures_count_towards_the_lock(rates):
    rates(signin_failures="2/15min")
    staff = make_user(is_staff=True, is_superuser=True)

    statuses = [_admin_sign_in("10.0.0.1", staff.email, "wrong").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]  # the form again, then the lock
    assert _sign_in(_from("10.0.0.9"), staff.email, DEFAULT_PASSWORD).status_code == 429


def test_admin_sign_in_is_limited_per_client_address(rates):
    rates(auth="2/min")
    staff = make_user(is_staff=True, is_superuser=True)

    statuses = [_admin_sign_in("10.0.0.1", f"guess{n}@example.com", "wrong").status_code for n in range(3)]
    elsewhere = _admin_sign_in("10.0.0.2", staff.email, DEFAULT_PASSWORD)

    assert statuses == [200, 200, 429]
    assert elsewhere.status_code == 302
