"""Answers written by an LLM provider from the retrieved passages only: checked sentence by sentence against
the passages they cite, retried once, else the extractive answer; the engine says which. The provider runs
against a local server speaking the OpenAI wire format with scripted replies (tests/fixtures/openai_double.py)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.chat import services
from apps.chat.answers import NOT_FOUND, build_generated_answer
from apps.chat.index import Passage
from apps.chat.text import sentence_spans
from apps.generation import GenerationConfig
from apps.generation.providers import OpenAICompatibleProvider
from learning_platform.asgi import application
from tests.factories import make_user
from tests.fixtures.documents import corpus
from tests.fixtures.openai_double import ScriptedServer, scripted_server

MOSCOW = "The weather was fine. The French army entered Moscow in September. Napoleon waited for a peace offer."
FIRE = "Moscow burned for several days. Most of the city was destroyed by the fire."
VALID = {
    "found": True,
    "sentences": [
        {"text": "The French army entered Moscow in September.", "passages": [1]},
        {"text": "Most of the city was destroyed by the fire.", "passages": [2]},
    ],
}


def _passage(text: str, *, chunk: int, page: int, start: int = 0, similarity: float = 0.6) -> Passage:
    return Passage(7, "History", "", chunk, page, start, start + len(text), text, similarity=similarity, score=0.1)


PASSAGES = [_passage(MOSCOW, chunk=1, page=4, start=30), _passage(FIRE, chunk=2, page=5)]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


def _answer(server: ScriptedServer, passages: list[Passage] = PASSAGES, question: str = "What happened in Moscow?"):
    provider = OpenAICompatibleProvider(GenerationConfig(provider="openai", llm_base_url=server.url, llm_model="tiny"))
    return build_generated_answer(question=question, passages=passages, min_similarity=0.3, provider=provider)


def test_a_valid_answer_is_used_with_a_citation_per_cited_sentence(server: ScriptedServer) -> None:
    server.replies = [VALID]

    answer = _answer(server)

    assert (answer.engine, answer.is_answered, len(server.requests)) == ("openai:tiny", True, 1)
    assert answer.parts == [
        "The French army entered Moscow in September. [1]",
        "Most of the city was destroyed by the fire. [2]",
    ]
    assert [(c["number"], c["page"], c["quote"]) for c in answer.citations] == [
        (1, 4, "The French army entered Moscow in September."),
        (2, 5, "Most of the city was destroyed by the fire."),
    ]
    assert MOSCOW[answer.citations[0]["char_start"] - 30 : answer.citations[0]["char_end"] - 30] == (
        "The French army entered Moscow in September."
    )


def test_the_prompt_numbers_the_passages_and_asks_for_json(server: ScriptedServer) -> None:
    server.replies = [VALID]

    _answer(server)

    body = server.requests[0]["body"]
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0
    user = body["messages"][1]["content"]
    assert f"[1] {MOSCOW}" in user
    assert f"[2] {FIRE}" in user
    assert user.endswith("Question: What happened in Moscow?")


def test_passages_below_the_similarity_floor_are_not_given_to_the_model(server: ScriptedServer) -> None:
    server.replies = [{"found": True, "sentences": [{"text": "The French army entered Moscow.", "passages": [1]}]}]
    weak = _passage("Pierre went to the opera with Natasha.", chunk=9, page=9, similarity=0.1)

    _answer(server, [PASSAGES[0], weak])

    assert "opera" not in server.requests[0]["body"]["messages"][1]["content"]


def test_invalid_output_is_retried_once(server: ScriptedServer) -> None:
    server.replies = ["{not json", VALID]

    answer = _answer(server)

    assert (answer.engine, len(server.requests)) == ("openai:tiny", 2)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"sentences": []}, id="schema"),
        pytest.param(
            {"found": True, "sentences": [{"text": "Napoleon crowned himself emperor in Paris.", "passages": [1]}]},
            id="claim-not-in-cited-passage",
        ),
        pytest.param(
            {"found": True, "sentences": [{"text": "The French army entered Moscow.", "passages": [3]}]},
            id="unknown-passage",
        ),
        pytest.param({"found": True, "sentences": [{"text": "Moscow burned.", "passages": []}]}, id="no-citation"),
        pytest.param({"found": True, "sentences": []}, id="found-but-empty"),
    ],
)
def test_twice_invalid_output_falls_back_to_the_extractive_answer(server: ScriptedServer, bad: Any) -> None:
    server.replies = [bad, bad]

    answer = _answer(server, question="When did the French army enter Moscow?")

    assert (answer.engine, len(server.requests)) == ("openai:tiny+offline", 2)
    assert "Your previous answer was refused" in server.requests[1]["body"]["messages"][1]["content"]
    assert answer.is_answered is True
    assert answer.citations[0]["quote"] == "The French army entered Moscow in September."


def test_a_model_that_finds_no_answer_leaves_it_to_the_extractive_engine(server: ScriptedServer) -> None:
    server.replies = [{"found": False, "sentences": []}]

    answer = _answer(server, question="When did the French army enter Moscow?")

    assert (answer.engine, len(server.requests)) == ("openai:tiny+offline", 1)
    assert answer.citations[0]["quote"] == "The French army entered Moscow in September."


def test_no_model_is_asked_when_nothing_in_the_material_is_close(server: ScriptedServer) -> None:
    far = [_passage(MOSCOW, chunk=1, page=4, similarity=0.1)]

    answer = _answer(server, far)

    assert (answer.text, answer.is_answered, answer.citations, answer.engine) == (NOT_FOUND, False, [], "offline")
    assert server.requests == []


def test_an_unreachable_server_falls_back_to_the_extractive_answer() -> None:
    provider = OpenAICompatibleProvider(
        GenerationConfig(provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout=1)
    )

    answer = build_generated_answer(
        question="When did the French army enter Moscow?", passages=PASSAGES, min_similarity=0.3, provider=provider
    )

    assert (answer.engine, answer.is_answered) == ("openai:m+offline", True)


# -- over the socket, with the provider chosen by settings ----------------------------------------------------
def _quote_passage_one(body: dict[str, Any]) -> dict[str, Any]:
    """A model that answers with the sentence of passage [1] that mentions the necklace, citing it."""
    prompt = body["messages"][1]["content"]
    first = prompt.split("[1] ", 1)[1].split("\n\n[2]", 1)[0]
    sentence = next(s for s in split_sentences(first) if "necklace" in s)
    return {"found": True, "sentences": [{"text": sentence, "passages": [1]}]}


def split_sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.django_db(transaction=True)
def test_the_socket_streams_the_generated_answer_and_the_message_records_its_engine(
    processed: Any, server: ScriptedServer, client_for: Any
) -> None:
    learner: Any = make_user()
    document_id = processed(learner, corpus("war-and-peace-chapters-1-3.txt"), "war-and-peace.txt", title="W&P")
    session = services.session_create(owner_id=learner.pk)
    server.replies = [_quote_passage_one]

    async def scenario() -> list[dict[str, Any]]:
        socket = WebsocketCommunicator(
            application,
            f"/ws/chat/{session.pk}/",
            headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1")],
            subprotocols=["bearer", str(AccessToken.for_user(learner))],
        )
        await socket.connect()
        await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "question", "text": "What did the princess readjust on her bosom?"})
        frames: list[dict[str, Any]] = []
        while not frames or frames[-1]["event"] not in ("answer.final", "error"):
            frames.append(await socket.receive_json_from(timeout=30))
        await socket.disconnect()
        return frames

    with override_settings(
        CHAT_ANSWER_PROVIDER="openai", GENERATION_LLM_BASE_URL=server.url, GENERATION_LLM_MODEL="tiny"
    ):
        stored, *parts, final = asyncio.run(scenario())

    assert stored["event"] == "question.stored"
    assert [p["event"] for p in parts] == ["answer.part"]
    assert (final["data"]["engine"], final["data"]["is_answered"]) == ("openai:tiny", True)
    assert "necklace" in parts[0]["data"]["text"]
    assert [(c["document_id"], c["number"]) for c in final["data"]["citations"]] == [(document_id, 1)]
    assert "necklace" in final["data"]["citations"][0]["quote"]
    messages = client_for(learner).get(f"/api/v1/chat/sessions/{session.pk}/messages/").json()["results"]
    assert [(m["role"], m["engine"]) for m in messages] == [("user", ""), ("assistant", "openai:tiny")]
