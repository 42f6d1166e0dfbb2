"""``/ws/chat/<session>/``: signed in like ``/ws/events/``; questions in, answers streamed with citations;
limits answered with error frames on a socket that stays usable."""

import asyncio
from typing import Any
from unittest.mock import ANY

import pytest
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.chat import selectors, services
from apps.chat.models import ChatMessage
from learning_platform.asgi import application
from tests.factories import make_user
from tests.fixtures.documents import corpus

pytestmark = pytest.mark.django_db(transaction=True)

SAME_ORIGIN = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1")]
WAR_AND_PEACE = "war-and-peace-chapters-1-3.txt"


def _socket(user: Any, session_id: int) -> WebsocketCommunicator:
    token = str(AccessToken.for_user(user))
    return WebsocketCommunicator(
        application, f"/ws/chat/{session_id}/", headers=SAME_ORIGIN, subprotocols=["bearer", token]
    )


async def _open(user: Any, session_id: int) -> WebsocketCommunicator:
    socket = _socket(user, session_id)
    connected, subprotocol = await socket.connect()
    assert (connected, subprotocol) == (True, "bearer")
    assert await socket.receive_json_from(timeout=5) == {"event": "connected", "data": {"session_id": session_id}}
    return socket


async def _ask(socket: WebsocketCommunicator, question: dict[str, Any]) -> list[dict[str, Any]]:
    """Every frame the server sends for one question, up to its final answer (or an error)."""
    await socket.send_json_to(question)
    frames = []
    while True:
        frame = await socket.receive_json_from(timeout=30)
        frames.append(frame)
        if frame["event"] in ("answer.final", "error"):
            return frames


@pytest.fixture
def learner(processed: Any) -> Any:
    """A learner with the War and Peace excerpt processed and indexed (its id in ``document_id``)."""
    user: Any = make_user()
    user.document_id = processed(user, corpus(WAR_AND_PEACE), "war-and-peace.txt", title="War and Peace")
    return user


def _question(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "question", "text": text, **extra}


def test_answer_is_streamed_in_parts_then_a_final_message_with_citations(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> list[dict[str, Any]]:
        socket = await _open(learner, session.pk)
        frames = await _ask(socket, _question("What did the princess readjust on her bosom?"))
        await socket.disconnect()
        return frames

    frames = asyncio.run(scenario())

    stored, *parts, final = frames
    assert stored["event"] == "question.stored"
    assert parts
    assert all(p["event"] == "answer.part" for p in parts)
    assert [p["data"]["index"] for p in parts] == list(range(len(parts)))
    assert final["data"]["text"] == " ".join(p["data"]["text"] for p in parts)
    assert final["data"]["is_answered"] is True
    necklace = [c for c in final["data"]["citations"] if "diamond necklace" in c["quote"]]
    assert [(c["document_id"], c["page"]) for c in necklace] == [(learner.document_id, 2)]
    messages = ChatMessage.objects.filter(session=session).order_by("id")
    assert [(m.pk, m.role) for m in messages] == [
        (stored["data"]["message_id"], "user"),
        (final["data"]["message_id"], "assistant"),
    ]


def test_a_question_the_material_cannot_answer_says_so(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> dict[str, Any]:
        socket = await _open(learner, session.pk)
        frames = await _ask(socket, _question("What is the boiling point of liquid nitrogen?"))
        await socket.disconnect()
        return frames[-1]

    final = asyncio.run(scenario())

    assert (final["data"]["is_answered"], final["data"]["citations"]) == (False, [])


def test_another_learners_session_closes_as_not_found(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)
    intruder = make_user()

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = _socket(intruder, session.pk)
        await socket.connect()
        error = await socket.receive_json_from(timeout=5)
        closed = await socket.receive_output(timeout=5)
        return error, closed

    error, closed = asyncio.run(scenario())

    assert error["data"]["code"] == "not_found"
    assert (closed["type"], closed["code"]) == ("websocket.close", 4404)


def test_a_learner_gets_no_passage_of_another_learner(learner: Any) -> None:
    other = make_user()
    session = services.session_create(owner_id=other.pk)

    async def scenario() -> dict[str, Any]:
        socket = await _open(other, session.pk)
        frames = await _ask(socket, _question("What did the princess readjust on her bosom?"))
        await socket.disconnect()
        return frames[-1]

    final = asyncio.run(scenario())

    assert (final["data"]["is_answered"], final["data"]["citations"]) == (False, [])


def test_scoping_a_question_to_another_learners_document_is_not_found(learner: Any) -> None:
    other = make_user()
    session = services.session_create(owner_id=other.pk)

    async def scenario() -> dict[str, Any]:
        socket = await _open(other, session.pk)
        frames = await _ask(socket, _question("Who is Pierre?", document_id=learner.document_id))
        await socket.disconnect()
        return frames[-1]

    assert asyncio.run(scenario())["data"]["code"] == "not_found"


def test_a_follow_up_question_is_read_with_the_previous_one(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> dict[str, Any]:
        socket = await _open(learner, session.pk)
        await _ask(socket, _question("Who was the illegitimate son of Count Bezukhov?"))
        frames = await _ask(socket, _question("And where was he educated?"))
        await socket.disconnect()
        return frames[-1]

    final = asyncio.run(scenario())

    quotes = " ".join(c["quote"] for c in final["data"]["citations"])
    assert final["data"]["is_answered"] is True
    assert "educated" in quotes, final


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param("not json", "malformed", id="not-json"),
        pytest.param('["a", "list"]', "malformed", id="not-an-object"),
        pytest.param('{"type": "dance"}', "malformed", id="unknown-type"),
        pytest.param('{"type": "question"}', "invalid", id="no-text"),
        pytest.param('{"type": "question", "text": "   "}', "invalid", id="blank-text"),
        pytest.param('{"type": "question", "text": "x", "document_id": "7"}', "invalid", id="bad-scope"),
        pytest.param('{"type": "question", "text": "' + "x" * 201 + '"}', "too_long", id="too-long"),
    ],
)
@override_settings(CHAT_MAX_MESSAGE_CHARS=200)
def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_usable(frame: str, code: str) -> None:
    user = make_user()
    session = services.session_create(owner_id=user.pk)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = await _open(user, session.pk)
        await socket.send_to(text_data=frame)
        error = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return error, pong

    error, pong = asyncio.run(scenario())

    assert (error["event"], error["data"]["code"]) == ("error", code)
    assert pong == {"event": "pong"}
    assert ChatMessage.objects.count() == 0


def test_a_binary_frame_gets_an_error_frame() -> None:
    user = make_user()
    session = services.session_create(owner_id=user.pk)

    async def scenario() -> dict[str, Any]:
        socket = await _open(user, session.pk)
        await socket.send_to(bytes_data=b"\x00\x01")
        error = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return error

    assert asyncio.run(scenario())["data"]["code"] == "malformed"


@override_settings(CHAT_MESSAGES_PER_MINUTE=2)
def test_questions_past_the_per_minute_limit_get_an_error_frame(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> list[str]:
        socket = await _open(learner, session.pk)
        outcomes = []
        for _ in range(3):
            frames = await _ask(socket, _question("Who is Pierre?"))
            outcomes.append(frames[-1]["data"].get("code") or frames[-1]["event"])
        await socket.send_json_to({"type": "ping"})
        outcomes.append((await socket.receive_json_from(timeout=5))["event"])
        await socket.disconnect()
        return outcomes

    assert asyncio.run(scenario()) == ["answer.final", "answer.final", "rate_limited", "pong"]
    assert ChatMessage.objects.filter(role="user").count() == 2


@override_settings(CHAT_IDLE_TIMEOUT_SECONDS=0.3)
def test_an_idle_socket_is_closed() -> None:
    user = make_user()
    session = services.session_create(owner_id=user.pk)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = await _open(user, session.pk)
        notice = await socket.receive_json_from(timeout=5)
        closed = await socket.receive_output(timeout=5)
        return notice, closed

    notice, closed = asyncio.run(scenario())

    assert notice["event"] == "idle.timeout"
    assert closed == {"type": "websocket.close", "code": 4408}


def test_first_message_sign_in_works_for_chat(learner: Any) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = WebsocketCommunicator(application, f"/ws/chat/{session.pk}/", headers=SAME_ORIGIN)
        await socket.connect()
        await socket.send_json_to({"type": "auth", "token": str(AccessToken.for_user(learner))})
        ok = await socket.receive_json_from(timeout=5)
        hello = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return ok, hello

    ok, hello = asyncio.run(scenario())

    assert ok["event"] == "auth.ok"
    assert hello == {"event": "connected", "data": {"session_id": session.pk}}


def test_a_question_before_sign_in_closes_with_4401() -> None:
    user = make_user()
    session = services.session_create(owner_id=user.pk)

    async def scenario() -> dict[str, Any]:
        socket = WebsocketCommunicator(application, f"/ws/chat/{session.pk}/", headers=SAME_ORIGIN)
        await socket.connect()
        await socket.send_json_to(_question("Who is Pierre?"))
        await socket.receive_json_from(timeout=5)
        return await socket.receive_output(timeout=5)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4401, "reason": "auth_required"}


def _database_gone(**kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


def test_a_database_failure_during_a_question_is_an_error_frame_and_the_socket_stays_usable(
    learner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = services.session_create(owner_id=learner.pk)

    async def scenario() -> tuple[list[dict[str, Any]], str, str]:
        socket = await _open(learner, session.pk)
        monkeypatch.setattr(selectors, "questions_in_last_minute", _database_gone)
        failed = await _ask(socket, _question("Who is Pierre?"))
        monkeypatch.undo()
        await socket.send_json_to({"type": "ping"})
        pong = (await socket.receive_json_from(timeout=5))["event"]
        answered = (await _ask(socket, _question("Who is Pierre?")))[-1]["event"]
        await socket.disconnect()
        return failed, pong, answered

    failed, pong, answered = asyncio.run(scenario())

    assert failed == [{"event": "error", "data": {"code": "internal", "detail": ANY}}]
    assert (pong, answered) == ("pong", "answer.final")
    assert ChatMessage.objects.filter(role="user").count() == 1  # the failed question stored nothing


def test_a_database_failure_while_signing_in_closes_with_try_again_later(
    learner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = services.session_create(owner_id=learner.pk)

    monkeypatch.setattr(selectors, "session_get_for_owner", _database_gone)

    async def scenario() -> dict[str, Any]:
        socket = _socket(learner, session.pk)
        await socket.connect()
        return await socket.receive_output(timeout=5)

    assert asyncio.run(scenario()) == {"type": "websocket.close", "code": 4013}
