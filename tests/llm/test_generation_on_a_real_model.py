"""Notes and a quiz from a real PDF page through each LLM provider on a real model (SmolLM2-135M): output the
provider's checks accept is used and the engine names the model; output they refuse is retried once, then
the offline engine writes the window and the engine says so. Whichever happens, both are checked here."""

import time
from typing import Any

import pytest

from apps.generation import GenerationConfig, Passage, engine, generate_notes, generate_questions
from apps.generation.providers import provider_for
from apps.generation.windows import windows
from tests.llm.conftest import report

pytestmark = pytest.mark.llm


def _provider(config: GenerationConfig, record: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    provider = provider_for(config)
    assert provider is not None
    recorded = record(provider)
    monkeypatch.setattr(engine, "provider_for", lambda _config: provider)
    return recorded


def test_notes_from_a_real_pdf_page(
    pdf_passages: list[Passage], llm_config: GenerationConfig, record: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = _provider(llm_config, record, monkeypatch)
    window = next(iter(windows(pdf_passages, pages_per_window=1)))
    started = time.monotonic()

    notes = generate_notes(pdf_passages, config=llm_config)

    outcomes = recorded.outcomes(lambda data: recorded.provider._checked_notes(window, data))
    report(f"notes[{llm_config.provider}]", notes.engine, recorded, outcomes, time.monotonic() - started)
    name = recorded.provider.name
    if notes.engine == name:  # the model's notes were used: its last reply passed every check, one try before
        assert outcomes[-1] == "valid"
        assert len(outcomes) <= 2
        assert all(o != "valid" for o in outcomes[:-1])
        accepted = recorded.provider._checked_notes(window, recorded.calls[-1][1])
        assert notes.summary == accepted.summary
        assert notes.glossary == accepted.glossary
        assert notes.fallbacks == 0
    else:  # refused twice, for a reason each time, and the offline engine wrote the window
        assert (notes.engine, notes.fallbacks, len(recorded.calls)) == ("offline", 1, 2)
        assert all(o.startswith("invalid") for o in outcomes)
        offline = generate_notes(pdf_passages, config=GenerationConfig(provider="offline", window_pages=1))
        assert notes.summary == offline.summary
    assert all(item.citation.chunk in {p.chunk for p in pdf_passages} for item in notes.summary + notes.key_points)


def test_a_quiz_from_a_real_pdf_page(
    pdf_passages: list[Passage], llm_config: GenerationConfig, record: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = _provider(llm_config, record, monkeypatch)
    window = next(iter(windows(pdf_passages, pages_per_window=1)))
    started = time.monotonic()

    result = generate_questions(
        pdf_passages, count=3, types=["multiple_choice", "cloze"], difficulty="medium", config=llm_config, page_count=1
    )

    outcomes = recorded.outcomes(lambda data: recorded.provider._checked_questions(window, data, "medium"))
    report(f"quiz[{llm_config.provider}]", result.engine, recorded, outcomes, time.monotonic() - started)
    name = recorded.provider.name
    assert result.questions, "the offline engine always fills the quiz"
    if result.engine.startswith(name):  # the model's questions were used (topped up by offline ones if short)
        assert outcomes[-1] == "valid"
        accepted = recorded.provider._checked_questions(window, recorded.calls[-1][1], "medium")
        from_model = [q for q in result.questions if q in accepted]
        assert from_model
        assert result.engine == (name if len(from_model) == len(result.questions) else f"{name}+offline")
    else:
        assert (result.engine, result.fallbacks, len(recorded.calls)) == ("offline", 1, 2)
        assert all(o.startswith("invalid") for o in outcomes)
    for question in result.questions:  # whoever wrote it, the answer stands in the cited passage
        assert question.answer.casefold() in question.passage.casefold() or question.type in (
            "true_false",
            "short_answer",
        )
