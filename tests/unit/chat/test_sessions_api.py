"""Chat history over REST: a learner lists, creates, renames and deletes their own sessions and reads their
messages; another learner's session does not exist for them (404), and an anonymous caller gets 401."""

from typing import Any

import pytest

from apps.chat import services
from apps.chat.models import ChatMessage, ChatSession, IndexedChunk, LearnerIndex
from eventbus.models import OutboxEvent
from tests.factories import UserFactory
from tests.fixtures.documents import corpus

pytestmark = pytest.mark.django_db


def _session(owner: Any, title: str = "Revision") -> ChatSession:
    return services.session_create(owner_id=owner.pk, title=title)


def test_create_then_list_own_sessions_newest_first(auth_client: Any, user: Any) -> None:
    _session(UserFactory(), "someone else's")
    first = auth_client.post("/api/v1/chat/sessions/", {"title": "Biology"}, format="json")
    second = auth_client.post("/api/v1/chat/sessions/", {}, format="json")

    listed = auth_client.get("/api/v1/chat/sessions/").json()

    assert (first.status_code, second.status_code) == (201, 201)
    assert listed["count"] == 2
    assert [s["title"] for s in listed["results"]] == ["New chat", "Biology"]


def test_session_scoped_to_another_learners_document_is_refused(auth_client: Any, processed: Any) -> None:
    foreign = processed(UserFactory(), b"Some text about cells and membranes.", "cells.txt")

    response = auth_client.post("/api/v1/chat/sessions/", {"document_id": foreign}, format="json")

    assert response.status_code == 400
    assert "document_id" in str(response.json())


def test_rename_and_delete_own_session(auth_client: Any, user: Any) -> None:
    session = _session(user)

    renamed = auth_client.patch(f"/api/v1/chat/sessions/{session.pk}/", {"title": "Exam prep"}, format="json")
    deleted = auth_client.delete(f"/api/v1/chat/sessions/{session.pk}/")

    assert (renamed.status_code, renamed.json()["title"]) == (200, "Exam prep")
    assert deleted.status_code == 204
    assert not ChatSession.objects.filter(pk=session.pk).exists()


def test_rename_needs_a_title(auth_client: Any, user: Any) -> None:
    response = auth_client.patch(f"/api/v1/chat/sessions/{_session(user).pk}/", {"title": ""}, format="json")

    assert response.status_code == 400


def test_a_patch_without_a_title_changes_nothing(auth_client: Any, user: Any) -> None:
    session = _session(user)
    response = auth_client.patch(f"/api/v1/chat/sessions/{session.pk}/", {}, format="json")

    assert (response.status_code, response.json()["title"]) == (200, session.title)


def test_a_title_must_be_text(auth_client: Any, user: Any) -> None:
    response = auth_client.patch(f"/api/v1/chat/sessions/{_session(user).pk}/", {"title": 0}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        pytest.param("get", "", None, id="read"),
        pytest.param("patch", "", {"title": "mine now"}, id="rename"),
        pytest.param("delete", "", None, id="delete"),
        pytest.param("get", "messages/", None, id="messages"),
    ],
)
def test_another_learners_session_is_404(auth_client: Any, method: str, suffix: str, body: Any) -> None:
    theirs = _session(UserFactory(), "private")

    response = getattr(auth_client, method)(f"/api/v1/chat/sessions/{theirs.pk}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert ChatSession.objects.get(pk=theirs.pk).title == "private"


@pytest.mark.parametrize("path", ["/api/v1/chat/sessions/", "/api/v1/chat/sessions/1/messages/"])
def test_anonymous_gets_401(api_client: Any, path: str) -> None:
    assert api_client.get(path).status_code == 401


def test_messages_are_listed_in_order_with_citations_and_paginated(auth_client: Any, user: Any, processed: Any) -> None:
    processed(user, corpus("war-and-peace-chapters-1-3.txt"), "war-and-peace.txt", title="War and Peace")
    session = _session(user)
    question = services.question_store(session=session, text="How old was Anna Pavlovna Scherer?")
    services.answer_store(session=session, answer=services.answer_compute(session=session, question=question))

    page = auth_client.get(f"/api/v1/chat/sessions/{session.pk}/messages/?page_size=1").json()
    both = auth_client.get(f"/api/v1/chat/sessions/{session.pk}/messages/").json()["results"]

    assert (page["count"], len(page["results"]), page["next"] is not None) == (2, 1, True)
    assert [m["role"] for m in both] == ["user", "assistant"]
    assert both[1]["is_answered"] is True
    assert both[1]["citations"][0]["document_title"] == "War and Peace"
    assert "forty years" in " ".join(c["quote"] for c in both[1]["citations"])


def test_every_message_is_announced_with_ids_only(user: Any, processed: Any) -> None:
    processed(user, corpus("war-and-peace-chapters-1-3.txt"), "war-and-peace.txt")
    session = _session(user)
    question = services.question_store(session=session, text="How old was Anna Pavlovna Scherer?")
    answer = services.answer_store(session=session, answer=services.answer_compute(session=session, question=question))

    payloads = [e.payload for e in OutboxEvent.objects.filter(topic="chat.message").order_by("id")]

    assert payloads == [
        {"session_id": session.pk, "message_id": question.pk, "owner_id": user.pk, "role": "user"},
        {
            "session_id": session.pk,
            "message_id": answer.pk,
            "owner_id": user.pk,
            "role": "assistant",
            "citation_count": len(answer.citations),
        },
    ]


def test_erasing_a_learner_erases_their_chat_and_index(
    user: Any, processed: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.accounts.services import user_erase

    other = UserFactory()
    processed(user, corpus("war-and-peace-chapters-1-3.txt"), "war-and-peace.txt")
    kept = processed(other, b"Photosynthesis turns light into chemical energy in plants.", "plants.txt")
    session = _session(user)
    services.question_store(session=session, text="Who is Pierre?")

    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=user)

    assert ChatSession.objects.filter(owner_id=user.pk).count() == 0
    assert ChatMessage.objects.filter(owner_id=user.pk).count() == 0
    assert IndexedChunk.objects.filter(owner_id=user.pk).count() == 0
    assert not LearnerIndex.objects.filter(owner_id=user.pk).exists()
    assert list(IndexedChunk.objects.values_list("document_id", flat=True).distinct()) == [kept]


@pytest.mark.parametrize("scope", ["session", "question"])
def test_an_answer_can_be_limited_to_one_document_or_course(
    user: Any, processed: Any, scope: str, settings: Any
) -> None:
    settings.CHAT_MIN_SIMILARITY = 0.0  # the point here is where passages come from, not whether they suffice
    cells = b"The mitochondrion is the powerhouse of the cell and makes ATP from glucose."
    engines = b"The steam engine is the powerhouse of the factory and turns coal into motion."
    processed(user, cells, "cells.txt", course="BIO101")
    engine_id = processed(user, engines, "engines.txt", course="HIST200")
    question_text = "What is the powerhouse of the cell?"
    unscoped = services.session_create(owner_id=user.pk)
    asked = services.question_store(session=unscoped, text=question_text)
    assert services.answer_compute(session=unscoped, question=asked).citations[0]["document_id"] != engine_id

    if scope == "session":
        session = services.session_create(owner_id=user.pk, document_id=engine_id)
        answer_scope = None
    else:
        session = services.session_create(owner_id=user.pk)
        answer_scope = services.Scope(course="HIST200")
    question = services.question_store(session=session, text=question_text)
    answer = services.answer_compute(session=session, question=question, scope=answer_scope)

    assert answer.is_answered is True
    assert {c["document_id"] for c in answer.citations} == {engine_id}
