"""The cheaper window build and prose analysis give exactly what the code they replace gave (written out here
as it was), on real text nobody here wrote: the page text rebuilt from its chunks, the heading test on the
lines that can start a heading only, the sentences, the reference-list test, the keyphrase lookup in the
window's sentences joined, a sentence's word count, the terms standing in each sentence, the name, year and
number patterns, and the defining-verb test."""

import collections
import dataclasses
import itertools
import random
import re
from pathlib import Path

import pytest

from apps.generation import GenerationConfig, Passage, offline
from apps.generation import text as text_module
from apps.generation.text import (
    _END,
    ABBREVIATIONS,
    _blocks,
    _is_abbreviation,
    clean,
    heading_level,
    is_strong_heading,
    line_keys,
    plain_spacing,
    sentence_spans,
    split_sentences,
)
from apps.generation.types import Citation
from apps.generation.windows import (
    _MAY_BE_A_HEADING,
    Heading,
    Sentence,
    _chunk_for,
    _followed_by_prose,
    _heading_candidates,
    _repeated_lines,
    build_window,
    page_text,
    windows,
)

from .conftest import paginate

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
NAMES = ["norwich-city.txt", "war-and-peace-chapters-1-3.txt"]
#: Headings of every kind, a running header, lines that only look like headings, spaces and a footnote mark.
EXTRA = (
    "\n\nCHAPTER ONE\n   1.2 Numbered Heading\nA Heading In Title Case\n"
    + "The first line of prose after the heading is long enough to count as prose here.\n"
    + "Early life and career\n"
    + "The second line of prose after the heading is long enough to count as prose here.\n"
    + "\u00c9tudes Fran\u00e7aises\n  \u201cQuoted\u201d line\n(aside) line\n2024\nMr. Smith met Dr. Jones at 5 p.m. "
    + "on the 3rd. He left.\nSee ibid.\n. A dot at a line start.\nJ.\nR. Tolkien wrote [12] books.\n\t \n"
)


def _text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def _pages(name: str, **layout: int) -> list[list[Passage]]:
    passages = paginate(_text(name) + EXTRA, **layout)
    return [list(group) for _, group in itertools.groupby(passages, key=lambda p: p.page)]


# --- the code as it was -------------------------------------------------------------------------------------


def _page_text_as_it_was(passages: list[Passage]) -> str:
    length = max(p.end for p in passages)
    buffer = [" "] * length
    for passage in passages:
        buffer[passage.start : passage.start + len(passage.text)] = passage.text
    return "".join(buffer)


def _headings_as_they_were(text: str) -> list[tuple[str, int, int]]:
    lines, position = [], 0
    for line in text.split("\n"):
        lines.append((position, line))
        position += len(line) + 1
    found = []
    for i, (offset, line) in enumerate(lines):
        level = heading_level(line)
        if level is None:
            continue
        followed_by_prose = i + 1 < len(lines) and len(lines[i + 1][1].strip()) >= 50
        if followed_by_prose or is_strong_heading(line):
            found.append((clean(line), level, offset))
    return found


def _sentences_as_they_were(text: str) -> list[tuple[int, int, str]]:
    def is_abbreviation(dot: int) -> bool:
        match = re.search(r"(\w+)$", text[max(0, dot - 30) : dot])
        if match is None:
            return False
        word = match.group(1)
        return (len(word) == 1 and word.isupper()) or word.casefold() in ABBREVIATIONS

    spans = []

    def append(start: int, end: int) -> None:
        piece = text[start:end]
        if piece.strip():
            offset = start + len(piece) - len(piece.lstrip())
            spans.append((offset, offset + len(piece.strip()), piece.strip()))

    for block_start, block_end in _blocks(text):
        start = block_start
        for match in _END.finditer(text, block_start, block_end):
            if not is_abbreviation(match.start()):
                append(start, match.end())
                start = match.end()
        append(start, block_end)
    return spans


# --- the tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_page_text_is_the_one_the_character_buffer_made(name: str) -> None:
    checked = 0
    for layout in ({}, {"page_chars": 8_000, "chunk_chars": 900, "overlap": 120}, {"overlap": 0}):
        for passages in _pages(name, **layout):
            assert page_text(passages) == _page_text_as_it_was(passages)
            checked += 1
    assert checked > 20


def test_the_page_text_of_chunks_out_of_order_or_with_gaps_is_the_buffers() -> None:
    text = _text("war-and-peace-chapters-1-3.txt")[:5_000]
    rng = random.Random(7)
    cases = []
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, 4_999), 12))
        spans = [(a, b) for a, b in itertools.pairwise([0, *cuts, 5_000])]
        # Overlaps, gaps, equal starts, an empty chunk, and a shuffled order.
        spans = [(max(0, a - rng.choice([0, 0, 40])), b + rng.choice([0, -30, 0])) for a, b in spans]
        spans += [(spans[3][0], spans[3][0])]
        ordered = sorted(spans)
        passages = [Passage(i, 1, a, max(a, b), text[a : max(a, b)]) for i, (a, b) in enumerate(ordered)]
        cases.append(passages)
        cases.append(passages[::-1])
        cases.append(rng.sample(passages, len(passages)))
    cases.append([Passage(0, 1, 10, 20, "x" * 10), Passage(1, 1, 10, 30, "y" * 20), Passage(2, 1, 40, 45, "z" * 5)])
    cases.append([Passage(0, 1, 0, 10, "short")])  # a text shorter than its span: the buffer, as before
    for passages in cases:
        assert page_text(passages) == _page_text_as_it_was(passages)


@pytest.mark.parametrize("name", NAMES)
def test_headings_and_sentences_are_the_ones_the_line_by_line_code_found(name: str) -> None:
    headings = sentences = 0
    for layout in ({}, {"page_chars": 8_000, "chunk_chars": 900, "overlap": 120}):
        for passages in _pages(name, **layout):
            number = passages[0].page
            window = build_window(0, {number: passages})
            text = _page_text_as_it_was(passages)
            expected = _headings_as_they_were(text)
            assert [(h.title, h.level) for h in window.headings] == [(t, level) for t, level, _ in expected]
            spans = _sentences_as_they_were(text)
            assert [(s.start, s.end, s.text) for s in split_sentences(text)] == spans
            kept = [(a, b, raw) for a, b, raw in spans if clean(raw)]
            assert [(s.start, s.end, s.raw, s.text) for s in window.sentences] == [
                (a, b, raw, clean(raw)) for a, b, raw in kept
            ]
            headings += len(expected)
            sentences += len(spans)
    assert headings >= 8  # the extra headings on the last page of each layout, and the text's own
    assert sentences > 500


def test_a_heading_cites_its_chunk_and_page() -> None:
    text = "Introduction\n" + "The first line of prose after the heading is long enough to be prose.\n" * 3
    window = build_window(0, {4: [Passage(9, 4, 0, len(text), text)]})

    assert window.headings == [Heading("Introduction", 2, Citation(chunk=9, page=4))]


@pytest.mark.parametrize("name", NAMES)
def test_no_line_the_build_skips_is_a_heading(name: str) -> None:
    """The build tests only the lines :data:`_MAY_BE_A_HEADING` finds: every other line, whatever its first
    character, is one ``heading_level`` rejects."""
    lines = _text(name).split("\n")
    firsts = [chr(c) for c in range(0x20, 0x250)] + ["\u2014", "\u201c", "\u0663", "\u2160", "\t"]
    lines += [f"{first}Title Case Heading" for first in firsts] + [f"  {first}1 Numbered" for first in firsts]
    skipped = 0
    for line in lines:
        if _MAY_BE_A_HEADING.match(line) is None:
            assert heading_level(line) is None, line
            skipped += 1
    assert skipped > 100


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_list_test_is_the_patterns(name: str) -> None:
    pieces = [s.text for s in split_sentences(_text(name))]
    pieces += [
        "Retrieved 12 May 2020.",
        "See pp. 12-14 and p.3 of the report.",
        "Smith et al. showed it in a long paper.",
        "The ISBN 978-3-16 and ISSN 1234 are here.",
        "A doi is given.",
        "Accessed 2020; Cited by many.",
        "Archived from the original.",
        "The map. 3 roads",
        "Dr. 5 is a p. 4 thing.",
        "Retrievedly archived",
        "",
    ]
    found = 0
    for piece in pieces:
        expected = offline._REFERENCE_LIST.search(piece) is not None
        assert offline._lists_references(piece) is expected, piece
        found += expected
    assert found >= 8


@pytest.mark.parametrize("name", NAMES)
def test_a_keyphrase_is_found_in_the_joined_sentences_when_in_one_of_them(name: str) -> None:
    sentences = [s.text for s in split_sentences(_text(name))][:400]
    joined = "\n".join(sentences)
    words = sorted({w for s in sentences for w in s.split()})
    phrases = words[::5] + [f"{a} {b}" for s in sentences[::9] for a, b in itertools.pairwise(s.split())][:300]
    phrases += ["Norwich City", "Anna Pavlovna", "well-", "-known", "the", "a b"]
    hits = 0
    for phrase in phrases:
        expected = any(offline._contains(s, phrase) for s in sentences)
        assert offline._contains(joined, phrase) is expected, phrase
        hits += expected
    assert 100 < hits < len(phrases)


def test_keyphrases_with_the_prose_given_are_those_found_without(article: list[Passage]) -> None:
    config = GenerationConfig()
    for window in windows(article, pages_per_window=config.window_pages):
        prose = [s for s in window.sentences if offline.is_good_sentence(s)]
        assert offline.keyphrases(window, config, prose=prose) == offline.keyphrases(window, config)
        assert offline.summary(window, config, prose=prose) == offline.summary(window, config)


def test_a_sentence_is_made_whole_by_either_constructor_and_keeps_its_word_count() -> None:
    made = Sentence.made("Two words", "Two\nwords", 3, 10, 19, 2, True)
    plain = Sentence("Two words", "Two\nwords", 3, 10, 19, 2, True)

    assert dataclasses.astuple(made) == dataclasses.astuple(plain)
    assert made.word_count == plain.word_count == 2
    assert made.__dict__["word_count"] == 2  # counted once, then read from the sentence
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "changed"  # type: ignore[misc]


def test_sentences_compare_and_hash_by_identity() -> None:
    first = Sentence("Same text.", "Same text.", 1, 0, 10, 0, True)
    second = Sentence("Same text.", "Same text.", 1, 0, 10, 0, True)

    assert first != second
    assert first == first
    assert len({first, second}) == 2


# --- the terms of a sentence --------------------------------------------------------------------------------

_NAME_AS_IT_WAS = re.compile(
    r"\b([A-Z][a-z\u00e0-\u024f]+(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][a-z\u00e0-\u024f]+){0,3})\b"
)


def _sentence_terms_as_they_were(sentence: Sentence, phrases: list[offline.Term]) -> list[offline.Term]:
    maybe = set(offline._may_stand_in(sentence.text, tuple(t.text for t in phrases)))
    terms = [t for t in phrases if t.text in maybe and offline.count_in(sentence.text, t.text) == 1]
    seen = {t.text.casefold() for t in terms}
    extra = [(m.group(1), "year") for m in offline._YEAR.finditer(sentence.text)]
    numbers = offline._NUMBER.finditer(sentence.text)
    extra += [(m.group(1), "number") for m in numbers if not offline._YEAR.fullmatch(m.group(1))]
    extra += [
        (m.group(1), "name")
        for m in _NAME_AS_IT_WAS.finditer(sentence.text)
        if m.start() > 0 and m.group(1).split()[0].casefold() not in offline.STOPWORDS
    ]
    for text, kind in extra:
        folded = text.casefold()
        if (
            folded not in seen
            and folded not in offline.STOPWORDS
            and folded not in offline._NOT_NAMES
            and offline.count_in(sentence.text, text) == 1
        ):
            seen.add(folded)
            terms.append(offline.Term(text, kind, len(phrases) + len(terms)))
    return terms


def _sentences_with_odd_characters(name: str) -> list[str]:
    texts = [s.text for s in split_sentences(_text(name))][:600]
    texts += [t.replace("e", "\u00e9") for t in texts[:30]]  # accents
    texts += [t.replace("s", "\u017f").replace("k", "\u212a") for t in texts[:30]]  # fold to ASCII letters
    texts += [t.replace(" ", "\n", 1) for t in texts[:10]] + ["", "In 1812, 3,000 men and 2.5 tons.", "12 Zeit"]
    texts += ["\u00c9mile Zola met Anna Pavlovna of Moscow.", "TheAnna Pavlovna", "x-Anna", "_Anna Karenina"]
    return texts


@pytest.mark.parametrize("name", NAMES)
def test_terms_standing_in_each_sentence_are_those_found_one_by_one(name: str) -> None:
    texts = _sentences_with_odd_characters(name)
    words = sorted({w for t in texts for w in t.split()})
    term_sets = [
        tuple(words[::37]),
        (*(w.lower() for w in words[::41]), "caf\u00e9", "", "the", "Anna Pavlovna"),
        ("prince", "prince vasili", "Prince", "a"),
        ("line\nbreak", "prince"),
        (),
    ]
    hits = 0
    for terms in term_sets:
        expected = [offline._may_stand_in(t, terms) for t in texts]
        assert offline._may_stand_in_each(texts, terms) == expected
        hits += sum(len(e) for e in expected)
    assert offline._may_stand_in_each([], ("a",)) == []
    assert hits > 1_000


@pytest.mark.parametrize("name", NAMES)
def test_sentence_terms_are_the_ones_the_plain_code_found(name: str) -> None:
    config = GenerationConfig()
    checked = found = 0
    for window in windows(paginate(_text(name) + EXTRA), pages_per_window=config.window_pages):
        prose = [s for s in window.sentences if offline.is_good_sentence(s)]
        phrases = offline.keyphrases(window, config, prose=prose)
        texts = tuple(t.text for t in phrases)
        extra = [Sentence(t, t, 1, 0, len(t), 0, True) for t in _sentences_with_odd_characters(name)[-20:]]
        sentences = prose + extra
        maybe = offline._may_stand_in_each([s.text for s in sentences], texts)
        for sentence, standing in zip(sentences, maybe, strict=True):
            expected = _sentence_terms_as_they_were(sentence, phrases)
            assert offline.sentence_terms(sentence, phrases) == expected
            assert offline.sentence_terms(sentence, phrases, texts=texts, maybe=standing) == expected
            checked += 1
            found += len(expected)
    assert checked > 100
    assert found > 100


def test_names_are_the_word_boundary_patterns_matches() -> None:
    texts = _sentences_with_odd_characters("war-and-peace-chapters-1-3.txt")
    texts += _sentences_with_odd_characters("norwich-city.txt")
    matched = 0
    for text in texts:
        expected = [(m.span(), m.group(1)) for m in _NAME_AS_IT_WAS.finditer(text)]
        assert [(m.span(), m.group(1)) for m in offline._NAME.finditer(text)] == expected
        matched += len(expected)
    assert matched > 500


def test_every_white_space_character_but_the_space_is_unprintable() -> None:
    """What the defining-verb test relies on to look for its verbs between spaces in a printable text."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]

    assert [c for c in spaces if c.isprintable()] == [" "]


@pytest.mark.parametrize("name", NAMES)
def test_the_defining_verb_test_is_the_patterns(name: str) -> None:
    texts = _sentences_with_odd_characters(name)
    for space in (" ", "\t", "\u00a0", "\u2009"):
        for verb in ("is", "are", "was", "were", "refers", "means", "describes", "isle", "this"):
            texts += [f"A{space}{verb}{space}b", f"A {verb}{space}", f"{verb} b", f"A{space}{verb}"]
    found = 0
    for text in texts:
        expected = offline._DEFINING_VERB.search(text) is not None
        assert offline._has_defining_verb(text) is expected, text
        found += expected
    assert 100 < found < len(texts)


# --- the window build with less work ------------------------------------------------------------------------

ALL_NAMES = sorted(path.name for path in CORPUS.glob("*.txt"))
#: White space of every kind, references, tabs, empty lines, abbreviations and initials at a block's end, a
#: line break before a mark, words of 6 to 31 characters before a mark, and words that are not ASCII.
EDGES = (
    "Title\n\nHe met Mr.\n\nSmith at 5 p.m.\nDr.\nJones left. Mrs.\u00a0Brown came. Mr\n. Smith stayed. "
    "The end, etc.\n\n  \t\nA line\twith a tab. Another\u2009thin space. The ideographic\u3000space. "
    "A form\x0cfeed. A vertical\x0btab. A carriage\rreturn. A file\x1cseparator. A next\x85line. "
    "A line\u2028separator. See [12] and [1,2] and [3\u20135]. Cited.[4] Next one. Stra\u00dfe. Ende. "
    "\u00c5ngstr\u00f6m. Units. \u017ft. Ives. \u212a. Kelvin. \u01c5. Title case. \u216b. Twelve. "
    "\u0663. Three. snake_case. Next. abcdef. Six. abcdefg. Seven. abcdefgh. Eight. "
    + "w" * 29
    + ". Long. "
    + "x" * 30
    + ". Longer. "
    + "y" * 31
    + ". Longest. A\n"
    + "b" * 7
    + '\n. Wrapped. Q.\n\nE.g. More. Vs. That. Approx. This. P. That. ETC. Done!\n"Yes?" he said. [7] The end.'
)
EDGE_HEADINGS = (
    "Overview Of The Whole Thing\nOne two three four five six seven eight nine ten\n"
    "One two three four five six seven eight nine ten eleven\nEnds With A Dot.  \nEnds With A Comma,\t\n"
    "Ends With A Colon:\nEnds With A Semicolon;\u3000\n\tTabbed Title Here\n\u00a0Spaced\u2009Title Here\u00a0\n"
    "Carriage\rReturn Title\nCHAPTER TWO\n2.1 Numbered Heading\n" + "T" * 80 + "\n" + "U" * 81 + "\n"
)


def _pages_of(text: str, **layout: int) -> list[list[Passage]]:
    passages = paginate(text, **layout)
    return [list(group) for _, group in itertools.groupby(passages, key=lambda p: p.page)]


def _corpus_texts() -> list[str]:
    texts = [_text(name) for name in ALL_NAMES]
    return [text[:600_000] for text in texts] + [EXTRA, EDGES, EDGE_HEADINGS, EDGES + EDGE_HEADINGS]


def _heading_level_as_it_was(line: str) -> int | None:
    line = line.strip()
    if not (3 <= len(line) <= 80) or line[-1] in ".,;:" or len(line.split()) > 10:
        return None
    numbered = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z]", line)
    if numbered:
        return min(3, numbered.group(1).count(".") + 1)
    if not line[0].isupper() or sum(c.isalpha() for c in line) < 3 or sum(c.isdigit() for c in line) > 2:
        return None
    if line.isupper() or line.lower().startswith(("chapter", "part ", "section")):
        return 1
    significant = [w for w in line.split() if w.casefold() not in text_module.STOPWORDS and w[0].isalpha()]
    if significant and all(w[0].isupper() for w in significant):
        return 2
    letters = sum(c.isalpha() or c.isspace() for c in line)
    if len(line.split()) <= 6 and letters == len(line):
        return 2
    return None


def _is_abbreviation_as_it_was(text: str, dot: int) -> bool:
    match = re.search(r"(\w+)$", text[max(0, dot - 30) : dot])
    if match is None:
        return False
    word = match.group(1)
    return (len(word) == 1 and word.isupper()) or word.casefold() in ABBREVIATIONS


def _repeated_lines_as_they_were(texts: dict[int, str]) -> set[str]:
    counts: collections.Counter[str] = collections.Counter()
    for text in texts.values():
        counts.update({clean(line) for line in text.split("\n") if 0 < len(line.strip()) < 80})
    return {line for line, seen in counts.items() if seen >= max(3, len(texts) // 2)}


def _heading_candidates_as_they_were(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _MAY_BE_A_HEADING.finditer(text):
        end = text.find("\n", match.start())
        found.append((match.start(), len(text) if end < 0 else end))
    return found


def _window_as_it_was(pages: dict[int, list[Passage]]) -> tuple[list[tuple], list[tuple]]:
    texts = {number: _page_text_as_it_was(ps) for number, ps in pages.items()}
    repeated = _repeated_lines_as_they_were(texts) if len(texts) >= 3 else set()
    headings, sentences = [], []
    for number in sorted(pages):
        text = texts[number]
        for offset, end in _heading_candidates_as_they_were(text):
            line = text[offset:end]
            level = heading_level(line)
            if level is None:
                continue
            if (_followed_by_prose(text, end) or is_strong_heading(line)) and (title := clean(line)) not in repeated:
                chunk, _ = _chunk_for(pages[number], offset, end)
                headings.append((title, level, chunk, number))
        for start, end, raw in _sentences_as_they_were(text):
            shown = clean(raw)
            if not shown or shown in repeated:
                continue
            chunk, whole = _chunk_for(pages[number], start, end)
            sentences.append((shown, raw, number, start, end, chunk, whole))
    return headings, sentences


def _windows_to_compare() -> list[dict[int, list[Passage]]]:
    """Windows of 1 to 10 pages of every text, in three layouts, and windows with running headers."""
    found = []
    for text in _corpus_texts():
        for layout in ({}, {"page_chars": 8_000, "chunk_chars": 900, "overlap": 120}, {"page_chars": 700}):
            pages = _pages_of(text, **layout)[:60]
            for size in (1, 3, 10):
                for first in range(0, len(pages), size):
                    found.append({group[0].page: group for group in pages[first : first + size]})
    return found + _windows_with_running_headers()


def _windows_with_running_headers() -> list[dict[int, list[Passage]]]:
    """Pages of prose under a header written in ways that clean alike (and one that does not), on enough pages
    or one too few, with lines of 79 and 80 characters."""
    prose = _text("war-and-peace-chapters-1-3.txt")
    variants = [
        "The Running Header",
        "  The  Running\tHeader ",
        "The Running Header [12]",
        "The\u00a0Running\u3000Header",
        "[3]The Running Header[1,2]",
        "The Running Header.",
    ]
    long_lines = ["h" * 79, " " + "h" * 79 + " ", "h" * 80, "h" * 39 + "  " + "h" * 40]
    windows_found = []
    for count in (3, 4, 5, 6, 10):
        pages: dict[int, list[Passage]] = {}
        for number in range(1, count + 1):
            header = variants[number % len(variants)] if number <= count // 2 + 1 else f"Page {number}"
            footer = long_lines[number % len(long_lines)]
            body = prose[number * 2_000 : number * 2_000 + 1_500]
            text = f"{header}\n{body}\n{footer}\n\n12\n"
            pages[number] = [Passage(number * 10, number, 0, len(text), text)]
        windows_found.append(pages)
    return windows_found


@pytest.mark.parametrize("text", [*ALL_NAMES, "EDGES"])
def test_the_abbreviation_test_is_the_one_on_30_characters(text: str) -> None:
    """At every mark of the text, and at every position of the shorter texts."""
    text = EDGES if text == "EDGES" else _text(text)
    positions = range(len(text)) if len(text) < 100_000 else [i for i, c in enumerate(text) if c in ".!?"]
    found = 0
    for dot in positions:
        expected = _is_abbreviation_as_it_was(text, dot)
        assert _is_abbreviation(text, dot) is expected, (dot, text[max(0, dot - 30) : dot + 1])
        found += expected
    assert found >= (10 if text is EDGES else 1)


def test_the_abbreviation_test_is_the_one_on_30_characters_after_every_word_length() -> None:
    checked = 0
    for word in ("Mr", "mrs", "approx", "E", "\u00e9", "\u01c5", "\u216b", "\u0663", "_", "a_b", "\u00df"):
        for length in range(0, 34):
            for before in ("", " ", "\n", "x"):
                for after in ("", "\n", " "):
                    text = before + "z" * length + word + after + ". Next"
                    dot = text.index(". Next")
                    assert _is_abbreviation(text, dot) is _is_abbreviation_as_it_was(text, dot), text
                    checked += 1
    assert checked > 4_000


def test_case_folding_never_shortens_a_character() -> None:
    """What lets the abbreviation test read only the last 8 characters."""
    assert all(len(chr(c).casefold()) >= 1 for c in range(0x110000))


def test_the_white_space_the_fast_paths_know_is_all_of_it() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    patterns = [chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c))]

    assert patterns == spaces
    assert sorted(text_module._SPACES) == sorted(c for c in spaces if c != "\n")
    assert set(text_module._ASCII_ODD_SPACES) == {c for c in spaces if c.isascii()} - {" ", "\n"}
    assert set(text_module._ASCII_SPACES.decode("ascii")) == {c for c in spaces if c.isascii()} - {"\n"}


@pytest.mark.parametrize("index", range(len(_corpus_texts())))
def test_the_sentences_are_the_ones_found_block_by_block(index: int) -> None:
    text = _corpus_texts()[index]
    expected = _sentences_as_they_were(text)
    assert sentence_spans(text) == expected
    assert len(expected) >= 5


@pytest.mark.parametrize("index", range(len(_corpus_texts())))
def test_a_lines_key_is_the_ascii_of_its_cleaned_text_without_white_space(index: int) -> None:
    text = _corpus_texts()[index]
    for variant in (text, text.replace("a", "\u0101"), text.replace("e", "\u00e9")):  # beyond and within Latin-1
        assert line_keys(variant) == [
            "".join(c for c in clean(line) if c.isascii() and not c.isspace()).encode("ascii")
            for line in variant.split("\n")
        ]


@pytest.mark.parametrize("index", range(len(_corpus_texts())))
def test_clean_of_a_span_of_a_plainly_spaced_page_only_turns_line_breaks_into_spaces(index: int) -> None:
    text = _corpus_texts()[index]
    pages = [page_text(ps) for ps in _pages_of(text)] + [text, re.sub(r"[^\S\n]+", " ", text)]
    pages += [page.encode("ascii", "ignore").decode("ascii") for page in pages]
    plain = 0
    for page in pages:
        is_plain = plain_spacing(page)
        expected = page.isascii() and not any(c.isspace() and c not in " \n" for c in page) and "[" not in page
        expected = expected and not re.search(r"[ \n] |  | \n", page)
        assert is_plain is expected
        for _, _, raw in sentence_spans(page) if is_plain else []:
            assert raw.replace("\n", " ") == clean(raw)
            plain += 1
    assert plain > 0 or index >= len(ALL_NAMES)


def test_no_character_is_both_a_letter_and_white_space() -> None:
    """What lets ``heading_level`` add its counts of letters and of spaces."""
    assert not [c for c in map(chr, range(0x110000)) if c.isalpha() and c.isspace()]


def test_the_heading_level_is_the_one_counted_character_by_character() -> None:
    lines = [line for text in _corpus_texts() for line in text.split("\n")]
    lines += ["Early life and career", "Early life and career 2", "Early\u00a0life\u2009and career", "Ab 1", "A12 34"]
    lines += [
        "\u01c5ungla Title",
        "\u2160 Roman Title",
        "Caf\u00e9 Society Here",
        "Born In 1968",
        "Year 19 68 2",
        "1.2.3 Deep Title",
    ]
    levels: collections.Counter[int | None] = collections.Counter()
    for line in lines:
        expected = _heading_level_as_it_was(line)
        assert heading_level(line) == expected, line
        levels[expected] += 1
    assert levels[1] > 5
    assert levels[2] > 50
    assert levels[3] > 0


def test_the_heading_search_keeps_the_lines_of_at_most_10_words_not_ending_in_a_stop() -> None:
    lines = [line for text in _corpus_texts() for line in text.split("\n")]
    lines += ["A" + " b" * n + end for n in range(8, 12) for end in ("", ".", ",", ";", ":", "!", " .", ". ", ".\t")]
    kept = 0
    for line in lines:
        expected = (
            _MAY_BE_A_HEADING.match(line) is not None and len(line.split()) <= 10 and line.strip()[-1] not in ".,;:"
        )
        assert (list(_heading_candidates(line)) == [(0, len(line))]) is expected, line
        kept += expected
    assert 100 < kept < len(lines) / 2


def test_no_line_the_heading_search_skips_is_a_heading() -> None:
    lines = [line for text in _corpus_texts() for line in text.split("\n")]
    firsts = [chr(c) for c in range(0x20, 0x250)] + ["\u2014", "\u201c", "\u0663", "\u2160", "\t"]
    lines += [f"{first}Title Case Heading" for first in firsts] + [f"  {first}1 Numbered" for first in firsts]
    lines += ["A" + " b" * n + end for n in range(8, 12) for end in ("", ".", ",", ";", ":", "!", " .", ". ", ".\t")]
    found = 0
    for line in lines:
        kept = list(_heading_candidates(line)) == [(0, len(line))]
        if heading_level(line) is not None:
            assert kept, line
            found += 1
    assert found > 50


@pytest.mark.parametrize("index", range(len(_corpus_texts())))
def test_the_heading_lines_are_the_ones_the_first_character_test_found(index: int) -> None:
    text = _corpus_texts()[index]
    for page in [text, *(page_text(ps) for ps in _pages_of(text))]:
        expected = [(a, b) for a, b in _heading_candidates_as_they_were(page) if heading_level(page[a:b]) is not None]
        assert [(a, b) for a, b in _heading_candidates(page) if heading_level(page[a:b]) is not None] == expected


def test_the_running_headers_are_the_ones_counted_line_by_line() -> None:
    found = 0
    for pages in _windows_to_compare():
        if len(pages) < 3:
            continue
        texts = {number: page_text(ps) for number, ps in pages.items()}
        expected = _repeated_lines_as_they_were(texts)
        assert _repeated_lines(texts) == expected
        found += len(expected)
    assert found >= 8


def test_every_window_is_the_one_the_old_build_made() -> None:
    windows_compared = sentences = headings = 0
    for pages in _windows_to_compare():
        window = build_window(0, pages)
        expected_headings, expected_sentences = _window_as_it_was(pages)
        assert [(h.title, h.level, h.citation.chunk, h.citation.page) for h in window.headings] == expected_headings
        assert [
            (s.text, s.raw, s.page, s.start, s.end, s.chunk, s.is_whole) for s in window.sentences
        ] == expected_sentences
        windows_compared += 1
        sentences += len(expected_sentences)
        headings += len(expected_headings)
    assert windows_compared > 300
    assert sentences > 20_000
    assert headings > 100


def test_a_sentence_of_a_plainly_spaced_page_keeps_the_word_count_of_its_text() -> None:
    """The count kept at build time is ``len(text.split())``, which the sentence would count on first use."""
    pages: dict[int, list[Passage]] = {}
    for passage in paginate(_text("war-and-peace-chapters-1-3.txt")[:60_000]):
        pages.setdefault(passage.page, []).append(passage)
    window = build_window(0, pages)
    kept = [s for s in window.sentences if "word_count" in s.__dict__]

    assert len(kept) > 100
    assert [s.__dict__["word_count"] for s in kept] == [len(s.text.split()) for s in kept]
