"""The generation bench's repetitions: each one starts from empty engine caches, and a figure is the median
of the repetitions with their range."""

import time

from apps.generation import GenerationConfig, Passage, analysis, embeddings, generate_notes, generate_questions, offline
from apps.generation import text as text_module
from bench import generation as bench


def test_forget_empties_every_cache_of_the_engine(article: list[Passage]) -> None:
    config = GenerationConfig()
    generate_notes(article, config=config)
    generate_questions(article, count=4, types=[], difficulty="medium", config=config)
    assert analysis._cache
    assert embeddings._recent
    assert offline.definition.cache_info().currsize > 0
    assert offline._digits.cache_info().currsize > 0
    assert text_module.normalise.cache_info().currsize > 0

    bench.forget()

    assert not analysis._cache
    assert not embeddings._recent
    assert offline.definition.cache_info().currsize == 0
    assert offline._digits.cache_info().currsize == 0
    assert text_module.normalise.cache_info().currsize == 0


def test_a_repetition_after_forget_makes_the_same_notes_and_quiz(article: list[Passage]) -> None:
    pages = len({p.page for p in article})
    bench.forget()
    first = bench.notes_then_quiz(article, page_count=pages, clocks=(time.process_time, time.perf_counter))
    bench.forget()
    second = bench.notes_then_quiz(article, page_count=pages, clocks=(time.process_time, time.perf_counter))

    assert first[:2] == second[:2]
    assert len(first[2]) == len(first[3]) == 2  # one figure per clock


def test_a_figure_is_the_median_and_the_range() -> None:
    assert bench._figure([0.3, 0.1, 0.25]) == [0.25, 0.1, 0.3]
    assert bench._figure([0.2, 0.4]) == [0.3, 0.2, 0.4]


def test_the_cpu_clock_counts_this_process_and_its_waited_for_children() -> None:
    import subprocess
    import sys

    before = bench.cpu_seconds()
    subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    assert bench.cpu_seconds() - before >= 0.02  # the child's CPU, which time.process_time() alone misses
