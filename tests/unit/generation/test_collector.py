"""The engine runs with the cyclic garbage collector paused (ADR 0038): it makes no reference cycles, the
collector is back on after every call, and nested or overlapping calls leave it as it was."""

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.generation import GenerationConfig, Passage, collector, generate_notes, generate_questions
from tests.unit.generation.conftest import paginate

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


@pytest.fixture
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


@pytest.mark.parametrize("source", ["article", "novel"])
def test_the_engine_leaves_no_cyclic_garbage(source: str, article: list[Passage], collector_on: None) -> None:
    """Every object the engine makes is freed by its reference count: pausing the collector costs no memory.
    A change that makes cycles (a back-reference, a closure kept in a cache) fails here. The first call of a
    process imports modules (yake's networkx, xml), which leaves some cyclic garbage once: it runs first."""
    passages = (
        article if source == "article" else paginate((CORPUS / "war-and-peace-chapters-1-3.txt").read_text()[:90_000])
    )
    config = GenerationConfig()
    generate_notes(passages[:4], config=config)  # the imports and the model, once
    generate_questions(passages[:4], count=2, types=[], difficulty="medium", config=config)
    gc.collect()
    gc.disable()
    try:
        notes = generate_notes(passages, config=config)
        quiz = generate_questions(passages, count=10, types=[], difficulty="medium", config=config)
        found = gc.collect()
    finally:
        gc.enable()

    assert notes.summary
    assert quiz.questions
    assert found == 0


def test_the_collector_is_off_during_a_call_and_back_on_after(article: list[Passage], collector_on: None) -> None:
    seen: list[bool] = []

    generate_notes(article[:6], config=GenerationConfig(), progress=lambda pages: seen.append(gc.isenabled()))

    assert seen == [False] * len(seen)
    assert seen
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(collector_on: None) -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_and_overlapping_pauses_turn_it_back_on_after_the_last(collector_on: None) -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector.paused():
        thread.start()
        inside.wait(10)
        with collector.paused():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's call is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_an_error_inside_turns_it_back_on(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
