"""The engine's fast paths give exactly what the code they replace gives, on real text nobody here wrote:
term matching without a compiled pattern per term, summa's TextRank scores without summa's cost, and the
window analysis shared by the notes and the quiz of a document."""

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from summa import summarizer

from apps.generation import GenerationConfig, Passage, analysis, generate_notes, generate_questions, textrank
from apps.generation.offline import _term_pattern, keyphrases, occurrences, sentence_terms
from apps.generation.text import words
from apps.generation.windows import Window, windows

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
NOVEL = "book-war-and-peace-1225p.txt"


def _text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def _pieces(name: str, size: int = 6000, count: int = 4) -> list[str]:
    text = _text(name)
    return [text[i : i + size] for i in range(0, min(len(text), count * size), size)]


@pytest.mark.parametrize("name", ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"])
def test_term_counts_are_the_patterns_counts(name: str) -> None:
    text = _text(name)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()][:300]
    # Non-ASCII text too: accents, curly quotes, and the characters case folding matches with ASCII letters.
    sentences += [s.replace("e", "\u00e9").replace("'", "\u2019") for s in sentences[:40]]
    folding = {"s": "\u017f", "k": "\u212a", "I": "\u0130"}
    sentences += ["".join(folding.get(c, c) for c in s) for s in sentences[:40]]
    vocabulary = sorted({w for w in words(text)})
    # Whole words, parts of words ("ham" in "Ham-"), phrases, a hyphenated piece and the case-changed forms.
    terms = vocabulary[::7] + [w[1:4] for w in vocabulary[::31]] + ["City", "city", "Norwich City", "-", "the", "a"]
    terms += [w.upper() for w in vocabulary[::53]] + ["Pavlovna", "Anna Pavlovna", "well-known", "1902"]
    terms += [w.replace("e", "\u00e9") for w in vocabulary[::41]] + ["Caf\u00e9", "\u00c9cole"]
    checked = matched = 0
    for sentence in sentences:
        for term in terms:
            for flags in (0, re.IGNORECASE):
                expected = len(_term_pattern(term, flags).findall(sentence))
                assert occurrences(sentence, term, ignore_case=bool(flags)) == expected, (sentence, term, flags)
                assert occurrences(sentence, term, ignore_case=bool(flags), at_most=1) == min(expected, 1)
                checked += 1
                matched += expected > 0
    assert checked > 100_000
    assert matched > 1_000


def test_characters_that_fold_to_ascii_letters_are_matched_as_the_pattern_does() -> None:
    # U+212A KELVIN SIGN and U+017F LONG S fold to "k" and "s": a lower-case substring test would miss them.
    assert occurrences("The \u212aelvin scale", "kelvin", ignore_case=True) == 1
    assert occurrences("Congre\u017fs met", "congress", ignore_case=True) == 1
    assert occurrences("\u0130stanbul and Istanbul", "istanbul", ignore_case=True) == 2
    assert occurrences("Caf\u00e9 Nero and caf\u00e9 nero", "CAF\u00c9 NERO", ignore_case=True) == 2


@pytest.mark.parametrize(
    "text",
    [
        *(pytest.param(t, id=f"article-{i}") for i, t in enumerate(_pieces("norwich-city.txt"))),
        *(pytest.param(t, id=f"novel-{i}") for i, t in enumerate(_pieces("war-and-peace-chapters-1-3.txt"))),
        # Far into the whole novel: words the first chapters lack, for the English stemmer's port.
        *(pytest.param(_text(NOVEL)[at : at + 6000], id=f"whole-novel-at-{at}") for at in (1_000_000, 2_500_000)),
        pytest.param("One. Two.", id="one-word-sentences"),
        pytest.param("Cats sleep. Dogs bark. Birds sing.", id="nothing-shared"),
        pytest.param("", id="empty"),
    ],
)
def test_textrank_scores_are_summas(text: str) -> None:
    expected = summarizer.summarize(text, ratio=1.0, split=True, scores=True)

    assert textrank.scores(text) == expected


def test_textrank_in_french_is_summas() -> None:
    text = (
        "Le plan de transport couvre la ville et ses environs. La ville finance le plan de transport. "
        "Les bus desservent la gare chaque matin. La gare accueille les trains de la ville."
    )

    assert textrank.scores(text, language="french") == summarizer.summarize(
        text, ratio=1.0, split=True, scores=True, language="french"
    )


def _by_value(window: Window) -> tuple[object, ...]:
    sentences = [dataclasses.astuple(s) for s in window.sentences]
    return window.index, window.pages, window.passages, sentences, window.headings


def test_the_shared_analysis_is_the_windows_own(article: list[Passage]) -> None:
    config = GenerationConfig()
    analysis.clear_cache()
    shared = list(analysis.analysed_windows(article, config=config))
    plain = list(windows(article, pages_per_window=config.window_pages))

    # Sentences compare by identity (each is made once per build): the windows are compared by value.
    assert [_by_value(a.window) for a in shared] == [_by_value(w) for w in plain]
    for found, window in zip(shared, plain, strict=True):
        assert found.phrases == keyphrases(window, config)
        phrases = keyphrases(window, config)
        assert found.terms == {s: sentence_terms(s, phrases) for s in found.prose}


@pytest.mark.parametrize("source", ["article", "novel"])
def test_key_points_from_the_shared_look_up_are_the_key_points(source: str, article: list[Passage]) -> None:
    """The key points read which phrases may stand in each prose sentence from the window's analysis (the
    quiz's terms start from the same look-up): the same sentences, with or without the summary's excluded."""
    from apps.generation.offline import key_points
    from tests.unit.generation.conftest import paginate

    config = GenerationConfig()
    passages = article if source == "article" else paginate(_text(NOVEL)[:120_000])
    analysis.clear_cache()
    checked = 0
    for found in analysis.analysed_windows(passages, config=config):
        for exclude in (set(), {s.text for s in found.prose[::3]}):
            expected = key_points(found.window, found.phrases, exclude, config, prose=found.prose)
            shared = key_points(found.window, found.phrases, exclude, config, prose=found.prose, maybe=found.maybe)
            assert shared == expected
            checked += bool(expected)
    assert checked >= 4


def test_notes_and_quiz_are_the_same_from_the_cache_or_not(article: list[Passage]) -> None:
    config = GenerationConfig()

    def both() -> tuple[object, object]:
        notes = generate_notes(article, config=config)
        quiz = generate_questions(article, count=10, types=[], difficulty="medium", config=config)
        return notes, quiz

    analysis.clear_cache()
    cold = both()
    assert len(analysis._cache) > 0
    warm = both()  # every window from the cache
    analysis.clear_cache()

    assert warm == cold


def test_the_cache_is_bounded_and_keyed_by_content(article: list[Passage]) -> None:
    analysis.clear_cache()
    config = GenerationConfig(window_pages=1)
    first = list(analysis.analysed_windows(article, config=config))
    again = list(analysis.analysed_windows(article, config=config))
    assert len(first) == 16
    assert all(a is b for a, b in zip(first, again, strict=True))

    changed = [p.__class__(p.chunk, p.page, p.start, p.end, p.text.replace("Norwich", "Ipswich")) for p in article]
    other = list(analysis.analysed_windows(changed, config=config))
    for before, after in zip(first, other, strict=True):
        if before.window.text == after.window.text:  # pages that do not name the club
            assert after is before
        else:
            assert after is not before
            assert "Ipswich" in after.window.text
    assert sum(a is not b for a, b in zip(first, other, strict=True)) > 8
    assert len(analysis._cache) == analysis.CACHE_WINDOWS  # bounded: older windows were dropped
    analysis.clear_cache()


@pytest.mark.parametrize("name", ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"])
def test_a_quiz_embeds_in_one_model_call_only_what_its_questions_compare(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.generation import embeddings

    from .conftest import paginate

    passages = paginate(_text(name))
    calls: list[list[str]] = []
    asked: list[str] = []
    real_uncached, real_embed = embeddings._embed_uncached, embeddings.embed

    def uncached(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return real_uncached(texts)

    def embed(texts: list[str]) -> np.ndarray:
        if calls:  # after the call made ahead: what the questions ask for
            asked.extend(texts)
        return real_embed(texts)

    monkeypatch.setattr(embeddings, "_embed_uncached", uncached)
    monkeypatch.setattr(embeddings, "embed", embed)
    embeddings.clear_cache()
    quiz = generate_questions(passages, count=10, types=[], difficulty="medium", config=GenerationConfig())

    assert len(calls) == 1  # not one call per answer and per pair of passages
    assert set(calls[0]) == set(asked)  # every text embedded ahead is compared, and none is missing
    assert len({q.type for q in quiz.questions}) == 4


@pytest.mark.parametrize("name", ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"])
def test_the_dry_run_and_the_early_duplicate_test_change_no_question(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.generation import embeddings, questions

    from .conftest import paginate

    passages = paginate(_text(name))
    config = GenerationConfig()
    embeddings.clear_cache()
    fast = generate_questions(passages, count=10, types=[], difficulty="medium", config=config)
    hard = generate_questions(passages, count=10, types=["multiple_choice"], difficulty="hard", config=config)
    monkeypatch.setattr(questions, "_embed_ahead", lambda *args: None)  # each question embeds what it needs
    monkeypatch.setattr(questions, "_repeats_a_chosen_one", lambda *args: False)  # every question made in full
    embeddings.clear_cache()

    assert generate_questions(passages, count=10, types=[], difficulty="medium", config=config) == fast
    assert generate_questions(passages, count=10, types=["multiple_choice"], difficulty="hard", config=config) == hard


def _may_stand_in_before(text: str, terms: list[str]) -> list[str]:
    """``offline._may_stand_in`` as it was: lower-casing the text and every term on every call."""
    from apps.generation.offline import _FOLDS_TO_ASCII

    if not (text.isascii() or _FOLDS_TO_ASCII.search(text) is None):
        return terms
    lowered = text.lower()
    return [t for t in terms if not t.isascii() or t.lower() in lowered]


@pytest.mark.parametrize("name", ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"])
def test_term_prefilter_is_the_one_it_replaces(name: str) -> None:
    from apps.generation.offline import _may_stand_in

    text = _text(name)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()][:300]
    sentences += ["".join({"s": "\u017f", "k": "\u212a"}.get(c, c) for c in s) for s in sentences[:20]]
    vocabulary = sorted({w for w in words(text)})
    terms = vocabulary[::11] + [w.upper() for w in vocabulary[::37]] + ["Caf\u00e9", "\u00c9cole", "Anna Pavlovna"]
    kept = 0
    for sentence in sentences:
        expected = _may_stand_in_before(sentence, terms)
        assert _may_stand_in(sentence, tuple(terms)) == expected, sentence
        assert occurrences(sentence, terms[3], ignore_case=True) == len(
            _term_pattern(terms[3], re.IGNORECASE).findall(sentence)
        )
        kept += len(expected)
    assert 0 < kept < len(sentences) * len(terms) / 2  # the filter drops most terms, and keeps some


def test_a_sentences_chunk_is_the_one_the_scan_finds() -> None:
    from apps.generation.text import split_sentences
    from apps.generation.windows import _chunk_for, _PageChunks, page_text

    from .conftest import paginate

    checked = 0
    for name in ("norwich-city.txt", "war-and-peace-chapters-1-3.txt"):
        passages = paginate(_text(name), page_chars=8_000, chunk_chars=900, overlap=120)
        for page in sorted({p.page for p in passages}):
            on_page = [p for p in passages if p.page == page]
            text = page_text(on_page)
            fast = _PageChunks(on_page)
            assert fast.ordered
            shuffled = _PageChunks(on_page[::-1])  # not in reading order: the scan, as before
            assert not shuffled.ordered
            spans = [(s.start, s.end) for s in split_sentences(text)] + [(0, 20_000), (850, 1_000), (5, 5)]
            for start, end in spans:
                assert fast.chunk_for(start, end) == _chunk_for(on_page, start, end), (start, end)
                assert shuffled.chunk_for(start, end) == _chunk_for(on_page[::-1], start, end)
                checked += 1
    assert checked > 500


def test_embeddings_grouped_by_length_are_the_padded_batchs_bit_for_bit() -> None:
    from apps.generation import embeddings

    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", _text("norwich-city.txt")) if s.strip()]
    names = sorted({w for w in words(_text("norwich-city.txt")) if w[0].isupper()})
    texts = names[:20:2] + sentences[:6] + names[30:40] + ["City", "Carrow Road stadium in Norwich"]
    tokenizer, session = embeddings._load()
    encodings = tokenizer.encode_batch(texts)  # one call padded to the longest: the code before
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    states = session.run(
        ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    before = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    assert len(embeddings._batches(mask.sum(axis=1).tolist())) > 1
    assert np.array_equal(embeddings._embed_uncached(texts), before)
    assert embeddings._batches([3, 3, 7, 4, 40, 3]) == [[0, 1, 5, 3, 2], [4]]
    assert [len(b) for b in embeddings._batches([3] * 70)] == [32, 32, 6]


def _cost(lengths: list[int], batches: list[list[int]]) -> int:
    from apps.generation.embeddings import CALL_TOKENS

    return sum(CALL_TOKENS + len(batch) * max(lengths[i] for i in batch) for batch in batches)


def _least_cost(sizes: list[int], batch: int) -> int:
    """Every split of the sorted lengths into calls of at most ``batch`` texts, tried one by one."""
    from apps.generation.embeddings import CALL_TOKENS

    if not sizes:
        return 0
    return min(
        CALL_TOKENS + first * sizes[first - 1] + _least_cost(sizes[first:], batch)
        for first in range(1, min(batch, len(sizes)) + 1)
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_model_calls_are_the_cheapest_grouping(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.generation import embeddings

    monkeypatch.setattr(embeddings, "BATCH", 5)  # small enough to try every grouping
    rng = np.random.default_rng(seed)
    lengths = rng.choice([3, 3, 4, 4, 5, 6, 9, 14, 31, 41], size=11).tolist()

    batches = embeddings._batches(lengths)

    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) <= 5 for b in batches)
    assert _cost(lengths, batches) == _least_cost(sorted(lengths), 5)


@pytest.mark.parametrize("name", ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"])
def test_sentence_splitting_and_checks_are_the_ones_they_replace(name: str) -> None:
    """The splitter strips each line once, the prose filter counts an ASCII text's digits with one scan, and
    the definition test rejects a sentence without a capital A-Z first or a defining verb before trying its
    pattern: the same blocks, counts and definitions as the straightforward code (written out here)."""
    from apps.generation import offline
    from apps.generation import text as text_module
    from apps.generation.windows import Sentence

    def blocks(text: str) -> list[tuple[int, int]]:  # the splitter's blocks as first written
        def heading_break(line: str, next_line: str) -> bool:
            line = line.strip()
            return (
                bool(line)
                and len(line) < 60
                and line[-1] not in ".,;:!?-\u2013"
                and bool(next_line.strip())
                and next_line.strip()[0].isupper()
            )

        found, start, position, lines = [], 0, 0, text.split("\n")
        for i, line in enumerate(lines):
            end = position + len(line)
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if not line.strip() or heading_break(line, following) or i == len(lines) - 1:
                if text[start:end].strip():
                    found.append((start, end))
                start = end + 1
            position = end + 1
        return found

    text = _text(name)
    text += "\n\nA Heading\nThe cell is a unit.\n  \n 2024 in 12 steps: 3.5 \u00b2\u0663 digits\n"
    assert text_module._blocks(text) == blocks(text)
    pieces = [s.text for s in text_module.split_sentences(text)] + ["Is \u00e9t\u00e9 2\u00b2 \u0663\u0664 x", ""]
    for piece in pieces:
        assert offline._digits(piece) == sum(map(str.isdigit, piece))
        if offline._DEFINITION.match(piece) is not None:  # the pre-check never rejects what the pattern accepts
            assert "A" <= piece[0] <= "Z"
            assert offline._DEFINING_VERB.search(piece)
    assert any(offline._DEFINITION.match(p) for p in pieces)  # the check above was exercised
    assert offline.is_good_sentence(Sentence("", "", 1, 0, 0, 0, True)) is False  # not an IndexError


def test_the_digit_test_is_the_patterns() -> None:
    """``_has_digit`` reads the prose filter's ASCII digit count where ``\\d`` is 0-9, the pattern elsewhere."""
    from apps.generation.offline import _DIGIT, _has_digit

    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", _text("norwich-city.txt")) if s.strip()][:400]
    sentences += ["Area 5 km\u00b2 only.", "No digit \u00b2 but a superscript.", "Arabic-Indic \u0663 is a digit.", ""]
    sentences += ["Fullwidth \uff17 too.", "Caf\u00e9 at 9.", "Caf\u00e9 without one."]

    assert [_has_digit(s) for s in sentences] == [_DIGIT.search(s) is not None for s in sentences]
    assert 20 < sum(map(_has_digit, sentences)) < len(sentences) - 20
