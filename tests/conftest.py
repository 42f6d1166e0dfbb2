from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.chat import index as chat_index
from tests.factories import UserFactory

pytest_plugins = ["tests.services"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters live in the cache, learners' chat indexes in a per-process cache keyed by learner id
    and revision (both reused once a test's database is rolled back): every test starts with a clean slate."""
    cache.clear()
    chat_index.cache_clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def other_user(db: Any) -> Any:
    return UserFactory()


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client signed in (JWT) as the given user."""

    def make(some_user: Any) -> APIClient:
        client = APIClient()
        token = RefreshToken.for_user(some_user).access_token
        token.set_exp(lifetime=timedelta(hours=1))  # a long test on a loaded machine outlasts the 5-minute default
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return make


@pytest.fixture
def auth_client(user: Any, client_for: Callable[[Any], APIClient]) -> APIClient:
    return client_for(user)


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Calls ``func`` and runs what follows its commits (events, jobs), as the embedded defaults do."""

    def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
