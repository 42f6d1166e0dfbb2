"""The OpenAI-compatible provider against a local HTTP server that speaks the wire format with scripted replies
(tests/fixtures/openai_double.py): valid output is used, invalid output is retried once and then replaced by
the offline engine. The same contract against a real llama.cpp server: tests/llm (``make test-llm``)."""

from collections.abc import Iterator
from typing import Any

import pytest

from apps.generation import GenerationConfig, Passage, generate_notes, generate_questions
from tests.fixtures.openai_double import ScriptedServer as Server
from tests.fixtures.openai_double import scripted_server

PASSAGES = [
    Passage(
        0, 1, 0, 120, "Photosynthesis is the process by which plants turn light energy into chemical energy in sugars."
    ),
    Passage(
        1,
        1,
        100,
        260,
        "Chlorophyll absorbs mostly blue and red light. The Calvin cycle fixes carbon dioxide into sugars.",
    ),
]
GOOD_NOTES = {
    "summary": [{"text": "Plants turn light energy into chemical energy in sugars.", "chunk": 0}],
    "key_points": [{"text": "Chlorophyll absorbs blue and red light.", "chunk": 1}],
    "glossary": [
        {
            "term": "Photosynthesis",
            "definition": "the process by which plants turn light energy into chemical energy",
            "chunk": 0,
        }
    ],
    "outline": [{"title": "Photosynthesis", "level": 1, "chunk": 0}],
}
GOOD_QUESTIONS = {
    "questions": [
        {"type": "cloze", "stem": "The _____ fixes carbon dioxide into sugars.", "answer": "Calvin cycle", "chunk": 1},
        {
            "type": "multiple_choice",
            "stem": "Which pigment absorbs mostly blue and red light?",
            "options": ["Chlorophyll", "Carotene", "Melanin", "Keratin"],
            "answer": "Chlorophyll",
            "chunk": 1,
        },
    ]
}


@pytest.fixture
def server() -> Iterator[Server]:
    with scripted_server() as running:
        yield running


def _config(server: Server) -> GenerationConfig:
    return GenerationConfig(
        provider="openai", llm_base_url=server.url, llm_model="tiny", llm_api_key="k", llm_timeout=5
    )


def test_valid_notes_are_used_and_the_engine_is_recorded(server: Server) -> None:
    server.replies = [GOOD_NOTES]

    notes = generate_notes(PASSAGES, config=_config(server))

    assert (notes.engine, notes.fallbacks) == ("openai:tiny", 0)
    assert notes.glossary[0].term == "Photosynthesis"
    assert notes.glossary[0].citation.chunk == 0
    request = server.requests[0]
    assert (request["path"], request["auth"], request["body"]["model"]) == ("/v1/chat/completions", "Bearer k", "tiny")
    assert request["body"]["response_format"] == {"type": "json_object"}
    assert request["body"]["max_tokens"] == 1024
    assert "[chunk 1, page 1]" in request["body"]["messages"][1]["content"]


def test_invalid_output_is_retried_once(server: Server) -> None:
    server.replies = ["not json at all", GOOD_NOTES]

    notes = generate_notes(PASSAGES, config=_config(server))

    assert (notes.engine, len(server.requests)) == ("openai:tiny", 2)
    retry = server.requests[1]["body"]["messages"][1]["content"]
    assert "Your previous answer was refused (not JSON" in retry
    assert "Your previous answer was refused" not in server.requests[0]["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"summary": []}, id="schema"),
        pytest.param(
            {**GOOD_NOTES, "summary": [{"text": "Mitochondria make ATP in animals.", "chunk": 0}]},
            id="claim-not-in-cited-chunk",
        ),
        pytest.param(
            {**GOOD_NOTES, "summary": [{"text": "Plants turn light into sugars.", "chunk": 9}]}, id="unknown-chunk"
        ),
    ],
)
def test_twice_invalid_notes_fall_back_to_the_offline_engine(server: Server, bad: dict[str, Any]) -> None:
    server.replies = [bad, bad]

    notes = generate_notes(PASSAGES, config=_config(server))

    assert (notes.engine, notes.fallbacks, len(server.requests)) == ("offline", 1, 2)


def test_questions_whose_answer_is_not_in_the_cited_chunk_are_refused(server: Server) -> None:
    wrong = {
        "questions": [{"type": "cloze", "stem": "The _____ fixes nitrogen.", "answer": "Haber process", "chunk": 1}]
    }
    server.replies = [wrong, wrong]

    result = generate_questions(PASSAGES, count=2, types=[], difficulty="medium", config=_config(server))

    assert result.engine == "offline"
    assert result.fallbacks == 1
    assert all(q.answer != "Haber process" for q in result.questions)


def test_valid_questions_are_used_with_their_cited_passage(server: Server) -> None:
    server.replies = [GOOD_QUESTIONS]

    result = generate_questions(PASSAGES, count=2, types=[], difficulty="medium", config=_config(server))

    assert result.engine == "openai:tiny"
    assert [(q.type, q.answer, q.citation.chunk) for q in result.questions] == [
        ("cloze", "Calvin cycle", 1),
        ("multiple_choice", "Chlorophyll", 1),
    ]
    assert "Calvin cycle" in result.questions[0].passage


def test_an_unreachable_server_falls_back_after_two_tries() -> None:
    config = GenerationConfig(provider="openai", llm_base_url="http://127.0.0.1:9", llm_model="m", llm_timeout=1)

    notes = generate_notes(PASSAGES, config=config)

    assert (notes.engine, notes.fallbacks) == ("offline", 1)
