"""The cached account liveness on JWT requests (apps.accounts.liveness, ADR 0023): no query for the account or
the session while nothing changed, and no request accepted after a committed sign-out, in any process."""

from typing import Any

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts import liveness, services, sessions
from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
DOCUMENTS = "/api/v1/documents/"


@pytest.fixture
def signed_in(user: Any) -> tuple[APIClient, dict[str, str]]:
    """A client with a real sign-in's tokens (a session family, a generation)."""
    tokens = sessions.token_obtain(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def _capture() -> CaptureQueriesContext:
    reset_queries()
    return CaptureQueriesContext(connection)


def _auth_queries(queries: CaptureQueriesContext) -> list[str]:
    tables = ('FROM "accounts_user"', 'FROM "accounts_refreshtokenfamily"')
    return [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in tables)]


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_a_current_entry_answers_without_reading_the_account_or_the_session(signed_in):
    client, _ = signed_in
    with _capture() as first:
        assert client.get(DOCUMENTS).status_code == 200
    first_reads = _auth_queries(first)  # read now: the next capture empties the connection's query log
    with _capture() as second:
        assert client.get(DOCUMENTS).status_code == 200

    assert len(first_reads) == 2  # the account's row and its session's revocation, once
    assert _auth_queries(second) == []


def test_the_list_of_a_learner_with_no_documents_costs_one_query(signed_in, django_assert_num_queries):
    client, _ = signed_in
    client.get(DOCUMENTS)
    with django_assert_num_queries(1):  # the page's SELECT; no account, session or COUNT(*) query
        assert client.get(DOCUMENTS).status_code == 200


def test_with_the_cache_off_every_request_reads_the_account_and_the_session(signed_in, settings):
    settings.AUTH_LIVENESS_CACHE = False
    client, _ = signed_in
    client.get(DOCUMENTS)
    with _capture() as queries:
        client.get(DOCUMENTS)

    assert len(_auth_queries(queries)) == 2


def test_sign_out_everywhere_refuses_the_cached_token_on_the_next_request(user, signed_in):
    client, _ = signed_in
    assert client.get(DOCUMENTS).status_code == 200  # the entry is cached now

    services.user_logout_everywhere(user=user)
    response = client.get(DOCUMENTS)

    assert response.status_code == 401
    assert _code(response) == "token_revoked"


def test_signing_one_session_out_refuses_its_cached_access_token_on_the_next_request(signed_in):
    client, tokens = signed_in
    assert client.get(DOCUMENTS).status_code == 200

    services.user_logout(refresh=tokens["refresh"])
    response = client.get(DOCUMENTS)

    assert response.status_code == 401
    assert _code(response) == "token_revoked"


def test_deactivating_the_account_refuses_its_cached_token_on_the_next_request(user, signed_in):
    client, _ = signed_in
    assert client.get(DOCUMENTS).status_code == 200

    user.is_active = False
    user.save()  # as the admin does

    assert client.get(DOCUMENTS).status_code == 401


def test_an_entry_read_before_a_sign_out_committed_is_refused_once_it_has(user, django_capture_on_commit_callbacks):
    """Another process reads the old row while the sign-out's transaction is open and caches it under the
    epoch of that moment: the bump after the commit makes that entry stale, so the sign-out is never late."""
    tokens = sessions.token_obtain(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    family = sessions.AccessToken(tokens["access"])[sessions.FAMILY_CLAIM]  # type: ignore[arg-type]
    old_row = User.objects.get(pk=user.pk)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        services.user_logout_everywhere(user=user)
        # the other process, between the change and its commit: the old row, stamped with the current epoch
        liveness.cache.set(
            f"auth:liveness:{user.pk}:{family}",
            (liveness._file_epoch(), tuple(getattr(old_row, name) for name in liveness._FIELDS), False),
        )
    assert client.get(DOCUMENTS).status_code == 200  # the stale entry, before the commit's bump: the race
    assert len(after_commit) >= 1

    for callback in after_commit:
        callback()  # the commit
    response = client.get(DOCUMENTS)

    assert response.status_code == 401
    assert _code(response) == "token_revoked"


def test_a_bump_by_another_process_on_the_machine_makes_every_entry_stale(signed_in):
    client, _ = signed_in
    client.get(DOCUMENTS)
    with open(liveness._epoch_file(), "ab") as out:  # what epoch_bump does in another process
        out.write(b".")

    with _capture() as queries:
        assert client.get(DOCUMENTS).status_code == 200

    assert len(_auth_queries(queries)) == 2


def test_with_a_shared_cache_the_epoch_lives_in_the_cache(signed_in, monkeypatch):
    monkeypatch.setattr(liveness, "_is_process_local", lambda: False)
    client, _ = signed_in
    client.get(DOCUMENTS)
    with _capture() as cached:
        client.get(DOCUMENTS)
    cached_reads = _auth_queries(cached)
    epoch = liveness.cache.get(liveness.EPOCH_KEY)
    liveness.epoch_bump()
    with _capture() as after_bump:
        client.get(DOCUMENTS)

    assert cached_reads == []
    assert liveness.cache.get(liveness.EPOCH_KEY) == epoch + 1
    assert len(_auth_queries(after_bump)) == 2


def test_with_a_shared_cache_an_evicted_epoch_never_matches_an_old_entry(signed_in, monkeypatch):
    monkeypatch.setattr(liveness, "_is_process_local", lambda: False)
    client, _ = signed_in
    client.get(DOCUMENTS)
    liveness.cache.delete(liveness.EPOCH_KEY)  # evicted: a new random epoch is drawn

    with _capture() as queries:
        client.get(DOCUMENTS)

    assert len(_auth_queries(queries)) == 2


def test_the_cached_account_leaves_its_password_hash_in_the_database(user, signed_in):
    client, _ = signed_in
    client.get(DOCUMENTS)
    stored = [value for key, value in liveness.cache._cache.items() if "liveness" in key]  # type: ignore[attr-defined]

    live = liveness.liveness_of(user_id=user.pk, family_id=None)
    live = liveness.liveness_of(user_id=user.pk, family_id=None)  # from the cache this time

    assert stored
    assert all(user.password.encode() not in value for value in stored)
    assert live.user is not None
    assert live.user.check_password(DEFAULT_PASSWORD)  # loads the deferred hash
