"""The cached account liveness (ADR 0023) with a shared cache on real Redis: the epoch and the entries live in
Redis, a bump made by another process is seen on the next request, and sign-out everywhere is never late."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts import liveness, services, sessions
from tests.integration.conftest import redis_cache

pytestmark = [pytest.mark.integration, pytest.mark.django_db]
DOCUMENTS = "/api/v1/documents/"


@pytest.fixture
def redis_default_cache(settings: Any, redis_url: str) -> Any:
    with redis_cache(settings, redis_url, "default") as cache:
        yield cache


def _signed_in(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sessions.token_obtain(user=user)['access']}")
    return client


def test_the_epoch_and_the_entries_live_in_redis(user: Any, redis_default_cache: Any) -> None:
    client, prefix = redis_default_cache
    assert not liveness._is_process_local()
    assert _signed_in(user).get(DOCUMENTS).status_code == 200

    keys = {key.decode() for key in client.scan_iter(f"{prefix}:*")}

    assert f"{prefix}:1:{liveness.EPOCH_KEY}" in keys
    assert any(key.startswith(f"{prefix}:1:auth:liveness:{user.pk}:") for key in keys)


def test_a_bump_by_another_process_is_seen_on_the_next_request(
    user: Any, redis_default_cache: Any, monkeypatch: Any
) -> None:
    client, prefix = redis_default_cache
    api = _signed_in(user)
    api.get(DOCUMENTS)
    loads: list[Any] = []
    original = liveness._load

    def counting_load(*args: Any) -> Any:
        loads.append(args)
        return original(*args)

    monkeypatch.setattr(liveness, "_load", counting_load)
    api.get(DOCUMENTS)
    client.incr(f"{prefix}:1:{liveness.EPOCH_KEY}")  # what epoch_bump does in another process
    api.get(DOCUMENTS)

    assert len(loads) == 1  # the cached request read nothing; the one after the bump read the database


def test_sign_out_everywhere_is_refused_on_the_next_request(user: Any, redis_default_cache: Any) -> None:
    api = _signed_in(user)
    assert api.get(DOCUMENTS).status_code == 200

    services.user_logout_everywhere(user=user)
    response = api.get(DOCUMENTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"
