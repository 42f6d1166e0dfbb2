"""Sessions, CSRF, the session's user and messages run for pages and not for /api/ (PageOnlyMiddleware)."""

from typing import Any

import pytest
from django.core import checks
from django.test import Client
from django.urls import reverse

from apps.core.apps import check_page_middleware

pytestmark = pytest.mark.django_db


def test_a_page_gets_a_csrf_cookie_and_its_form_is_checked():
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    refused = client.post(reverse("login"), {"email": "a@example.com", "password": "x"})

    assert page.status_code == 200
    assert "csrftoken" in page.cookies
    assert refused.status_code == 403


def test_a_page_knows_the_session_user(user):
    client = Client()
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_an_api_request_runs_no_session_or_csrf_layer(auth_client):
    response = auth_client.get("/api/v1/documents/")

    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert "csrftoken" not in response.cookies
    assert "sessionid" not in response.cookies


def test_the_check_wants_the_admins_middleware_in_page_middleware(settings: Any):
    assert check_page_middleware(None) == []
    settings.PAGE_MIDDLEWARE = [m for m in settings.PAGE_MIDDLEWARE if "messages" not in m]

    errors = check_page_middleware(None)

    assert [error.id for error in errors] == ["core.E001"]
    assert all(isinstance(error, checks.Error) for error in errors)
