"""The quiz read model through its cache (local memory here: one process runs the jobs and the requests):
what a learner reads is served from the cache until one of their events commits, and never stale after."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.quizzes import projector, read_cache
from tests.unit.quizzes.helpers import answer_all

pytestmark = pytest.mark.django_db
Quiz = Callable[..., dict[str, Any]]


def _read_model_queries(client: Any, url: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return response.json(), sum("_quizview" in q["sql"] or "_questionview" in q["sql"] for q in queries)


def test_a_repeated_read_is_served_from_the_cache(auth_client: Any, ready_quiz: Quiz, user: Any) -> None:
    quiz = ready_quiz()  # its detail was read once: cached
    url = f"/api/v1/quizzes/{quiz['id']}/"
    cached, cached_queries = _read_model_queries(auth_client, url)
    read_cache.invalidate(user.pk)

    fresh, fresh_queries = _read_model_queries(auth_client, url)
    again, again_queries = _read_model_queries(auth_client, url)

    assert cached == fresh == again == quiz
    assert (cached_queries, fresh_queries, again_queries) == (0, 2, 0)


def test_a_new_attempt_and_its_result_are_visible_immediately(
    auth_client: Any, ready_quiz: Quiz, document_id: int
) -> None:
    quiz = ready_quiz()
    attempts_url = f"/api/v1/quizzes/{quiz['id']}/attempts/"
    progress_url = f"/api/v1/quiz-progress/?document={document_id}"
    assert auth_client.get(attempts_url).json() == []  # cached: no attempt
    assert auth_client.get(progress_url).json()[0]["attempts_submitted"] == 0
    assert auth_client.get(f"/api/v1/quizzes/{quiz['id']}/").json()["attempts_submitted"] == 0

    attempt = auth_client.post(attempts_url).json()
    assert [a["id"] for a in auth_client.get(attempts_url).json()] == [attempt["id"]]
    answer_all(auth_client, quiz["id"], attempt["id"], correct=True)
    auth_client.post(f"/api/v1/quiz-attempts/{attempt['id']}/submit/")

    assert [a["status"] for a in auth_client.get(attempts_url).json()] == ["submitted"]
    assert auth_client.get(progress_url).json()[0]["attempts_submitted"] == 1
    detail = auth_client.get(f"/api/v1/quizzes/{quiz['id']}/").json()
    assert (detail["attempts_submitted"], detail["grade"]) == (1, 1.0)


def test_one_learners_event_leaves_anothers_entries_cached() -> None:
    read_cache.cached(1, "x", lambda: "one")
    read_cache.cached(2, "x", lambda: "two")

    read_cache.invalidate(1)

    assert read_cache.cached(1, "x", lambda: "one, again") == "one, again"
    assert read_cache.cached(2, "x", lambda: "two, again") == "two"


def test_rebuilding_the_read_model_invalidates_every_learners_entries() -> None:
    read_cache.cached(1, "x", lambda: "before")

    projector.rebuild()

    assert read_cache.cached(1, "x", lambda: "after") == "after"


def test_nothing_found_is_cached_too_until_an_event() -> None:
    calls: list[int] = []

    def build() -> None:
        calls.append(1)

    read_cache.cached(1, "quiz:404", build)
    read_cache.cached(1, "quiz:404", build)

    assert calls == [1]


def test_with_the_cache_off_every_read_goes_to_the_read_model(settings: Any) -> None:
    settings.QUIZ_READ_CACHE = False
    values = iter(["first", "second"])

    read_cache.cached(1, "x", lambda: next(values))

    assert read_cache.cached(1, "x", lambda: next(values)) == "second"
