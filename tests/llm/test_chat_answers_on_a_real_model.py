"""A chat answer written by a real model (SmolLM2-135M) from numbered passages of a real PDF page, through each
provider: used only if every sentence is supported by the passages it cites; else (refused twice, or the model
says the passages do not answer) the extractive answer, with the engine saying so."""

import time
from typing import Any

import pytest

from apps.chat.answers import build_answer, build_generated_answer
from apps.chat.index import Passage as ChatPassage
from apps.generation import GenerationConfig, Passage
from apps.generation.grounded import check_answer
from apps.generation.providers import provider_for, supported
from tests.llm.conftest import report

pytestmark = pytest.mark.llm

QUESTION = "What does science use to answer questions?"


def _chat_passages(pdf_passages: list[Passage]) -> list[ChatPassage]:
    return [
        ChatPassage(1, "Earth Science", "", p.chunk, p.page, p.start, p.end, p.text, similarity=0.6, score=1.0)
        for p in pdf_passages
    ]


def test_a_generated_chat_answer_from_a_real_pdf_page(
    pdf_passages: list[Passage], llm_config: GenerationConfig, record: Any
) -> None:
    provider = provider_for(llm_config)
    assert provider is not None
    recorded = record(provider)
    passages = _chat_passages(pdf_passages)
    sources = [p.text for p in passages]
    started = time.monotonic()

    answer = build_generated_answer(question=QUESTION, passages=passages, min_similarity=0.3, provider=provider)

    outcomes = recorded.outcomes(lambda data: check_answer(data, sources))
    report(f"chat[{llm_config.provider}]", answer.engine, recorded, outcomes, time.monotonic() - started)
    if answer.engine == provider.name:
        assert outcomes[-1] == "valid"
        accepted = check_answer(recorded.calls[-1][1], sources)
        assert accepted.found
        assert len(answer.parts) == len(accepted.sentences)
        for sentence in accepted.sentences:
            assert supported(sentence.text, " ".join(sources[n - 1] for n in sentence.sources))
        for citation in answer.citations:
            assert citation["quote"].rstrip("…") in " ".join(" ".join(s.split()) for s in sources)
    else:
        assert answer.engine == f"{provider.name}+offline"
        last_valid_but_declined = outcomes[-1] == "valid" and not check_answer(recorded.calls[-1][1], sources).found
        assert last_valid_but_declined or (len(outcomes) == 2 and all(o.startswith("invalid") for o in outcomes))
        extractive = build_answer(question=QUESTION, passages=passages, min_similarity=0.3)
        assert (answer.text, answer.citations) == (extractive.text, extractive.citations)
