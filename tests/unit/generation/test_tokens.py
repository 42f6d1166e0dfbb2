"""yake's tokens of a sentence, memoised per piece, are segtok's: on every sentence of the corpus's text files
and on written cases that take segtok's other paths (URLs, e-mail addresses, HTML escapes, hyphenated line
breaks, contractions, dangling punctuation)."""

import itertools
import re
from functools import cache
from pathlib import Path

import pytest
from segtok import segmenter
from segtok.segmenter import split_multi
from segtok.tokenizer import split_contractions, web_tokenizer, word_tokenizer
from yake.data.utils import pre_filter, tokenize_sentences

from apps.generation import tokens

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"

WRITTEN = [
    "",
    " ",
    "One.",
    "...",
    "Wait...",
    "He said: yes; no, maybe:",
    "Commas,,, and colons:: dangle;",
    "See https://example.org/a/b?x=1#top for more, or write to team@example.org.",
    "Mail <someone.else@mail.example.com> or visit (http://example.com).",
    "Fish &amp; chips &lt;b&gt; cost &pound;3.",
    "A hyphen-\nated word, a dash-\r\nbreak and a long\u2028line.",
    "Don't, can't, won't, I'm, we'll, they're, you've, she'd; rock'n'roll.",
    "Don\u2019t say it\u2019s the boys' toys or James\u2019 book.",
    "''Quoted'' and 'single' and \u2019curly\u2019 marks.",
    "e.g. the U.S. and U.K. agreed, i.e. the E.U. did not.",
    "Dr. Smith met Prof. Jones at 12:30 on 3.4.2015 (approx. 5,000 people).",
    "H\u2082O and CO\u2082 and Fe\u00b2\u207a and 5 km\u00b2 and m\u207b\u00b9.",
    "Caf\u00e9 cr\u00e8me, na\u00efve \u00fcber-fast, \u0441\u043b\u043e\u0432\u043e and \u4e2d\u6587.",
    "Tab\tseparated\tcolumns and\u00a0non-breaking\u2003spaces.",
    ".leading dot and trailing dot .",
    "Is it? Yes! No?! Fine.",
    "The 5'-ACGT-3' strand and the 1990s' boom.",
]


def _segtok(sentence: str) -> list[str]:
    """yake's inner list for one sentence (``tokenize_sentences``), spelled out."""
    return [w for w in split_contractions(web_tokenizer(sentence)) if not (w.startswith("'") and len(w) > 1) and w]


@cache
def _corpus_sentences() -> list[str]:
    found: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        found += [s for s in split_multi(path.read_text(encoding="utf-8")) if s.strip()]
    return found


def test_the_corpus_text_files_give_many_sentences() -> None:
    assert len(_corpus_sentences()) > 20_000


def test_every_corpus_sentence_gets_segtoks_tokens() -> None:
    tokens._piece.cache_clear()
    tokens._contractions.cache_clear()
    differ = [s for s in _corpus_sentences() if tokens.yake_tokens(s) != _segtok(s)]

    assert differ == []
    assert tokens._piece.cache_info().hits > tokens._piece.cache_info().misses  # the pieces do repeat


@pytest.mark.parametrize("sentence", WRITTEN)
def test_written_sentences_get_segtoks_tokens(sentence: str) -> None:
    assert tokens.yake_tokens(sentence) == _segtok(sentence)
    assert tokens.web_tokens(sentence) == web_tokenizer(sentence)


def test_a_token_list_is_split_as_its_tokens_one_by_one() -> None:
    """What memoising the contraction split per token rests on."""
    words = ["I", "can't", "say", "we'd", "go,", "but", "they're", "sure", "it's", "James'", "and", "Ann's", "idea"]

    assert split_contractions(list(words)) == [piece for w in words for piece in tokens._contractions(w)]


def test_yakes_own_sentences_are_tokenized_the_same() -> None:
    text = (CORPUS / "norwich-city.txt").read_text(encoding="utf-8")[:20_000]
    ours = [tokens.yake_tokens(s) for s in split_multi(pre_filter(text.replace("\n", " "))) if s.strip()]

    assert ours == tokenize_sentences(pre_filter(text.replace("\n", " ")))


def _segtok_piece(piece: str) -> list[str]:
    return [t for t in word_tokenizer.split(piece) if t]


def test_every_ascii_piece_of_the_corpus_is_split_as_segtok_splits_it() -> None:
    pieces = {p for s in _corpus_sentences() for p in s.split() if p.isascii()}
    tokens._piece.cache_clear()

    assert len(pieces) > 30_000
    assert [p for p in pieces if list(tokens._piece(p)) != _segtok_piece(p)] == []


def test_every_short_string_of_the_patterns_symbols_is_split_as_segtok_splits_it() -> None:
    """Every string of one to four characters over the letters, digits and punctuation the pattern treats
    apart (and a few it does not), 292,560 strings."""
    symbols = "aAsS0.,:-'()\"!?;/_&x9]$"
    differ = [
        piece
        for size in range(1, 5)
        for piece in map("".join, itertools.product(symbols, repeat=size))
        if [t for t in tokens._ASCII_WORD.split(piece) if t] != _segtok_piece(piece)
    ]

    assert differ == []


SEGMENTS = [
    "",
    "7",
    "x",
    "12345",
    "1" * 100,
    "1" * 100 + "\n",
    "It was said by Dr",
    "It was said by dr",
    "We met at the U.S",
    "see e.g",
    "see figs",
    "as written by Professor A",
    "as written by Professor A.-B",
    "a long line of prose, long enough to be cut, written by Commander A.-B",
    "a long line of prose, long enough to be cut, written by Commander A.-B\n",
    "a long line of prose, long enough to be cut, by Smith, J., Jones, K, and L",
    "a long line of prose, long enough to be cut, written by Smith and Jones, and L",
    "a long line of prose, long enough to be cut, it said approx",
    "as written by Se\u00f1orita M",
    "Smith, J., Jones, K, and L",
    "Smith J and K",
    "opened (A",
    "opened [B",
    "a long sentence of prose that goes on and on well past sixty-four characters before Mr",
    "a long sentence of prose that goes on and on well past sixty-four characters before Mr\n",
    "a long sentence of prose that goes on and on well past sixty-four characters before the end",
    "9 a long sentence starting with a digit that goes on past sixty-four characters to No",
]


@pytest.mark.parametrize("segment", SEGMENTS)
def test_the_abbreviation_test_on_the_tail_is_the_whole_search(segment: str) -> None:
    assert tokens._abbreviation(segment) == (segmenter.ABBREVIATIONS.search(segment) is not None)


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]


def test_every_segment_of_the_corpus_gets_the_whole_searchs_answer() -> None:
    segments = [s for text in _texts() for s in segmenter.MAY_CROSS_ONE_LINE.split(text)[::2] if s]
    long = [s for s in segments if len(s) > tokens.ABBREVIATION_TAIL]
    abbreviated = [s for s in long if segmenter.ABBREVIATIONS.search(s) is not None]

    assert len(long) > 15_000  # the tail is tried ...
    assert len(abbreviated) > 20  # ... and finds abbreviations
    assert [s for s in segments if tokens._abbreviation(s) != (segmenter.ABBREVIATIONS.search(s) is not None)] == []


def test_the_corpus_is_split_into_segtoks_sentences() -> None:
    for text in _texts():
        assert tokens.sentences(text) == list(split_multi(text))
        flat = pre_filter(text[:50_000].replace("\n", " "))  # as yake reads a window's sentences
        assert tokens.sentences(flat) == list(split_multi(flat))


def test_the_abbreviations_are_expanded_from_segtoks_pattern() -> None:
    endings = set(tokens._ABBREVIATION_ENDINGS or ())
    pattern = segmenter.ABBREVIATIONS.pattern
    start = pattern.find("(?:", pattern.find("\\b")) + 3
    known = re.compile(f"(?:{pattern[start : pattern.index(')', start)]})")

    assert {"Dr", "Mr", "e.g", "eg", "figs", "fig", "U.S", "Z.b", "z.B", "J\u00e4n", "approx"} <= endings
    assert all(known.fullmatch(e) for e in endings)  # every expansion is one of the list's strings
    assert len(endings) == 85


def test_the_pre_filter_never_rules_out_a_segment_the_pattern_matches() -> None:
    """Every segment of the corpus, and written ones ending in each abbreviation and each kind of letter."""
    segments = [s for text in _texts() for s in segmenter.MAY_CROSS_ONE_LINE.split(text)[::2] if len(s) > 1]
    lead = "a line of prose long enough to be cut, ending in "
    segments += [lead + e for e in tokens._ABBREVIATION_ENDINGS or ()] + [lead + e + "\n" for e in ("Dr", "Q")]
    segments += [lead + c for c in ("Q", "q", "\u00c9", "\u01c5", "A\u02b0", "\u02b0", "9", ")", "\u00e9")]
    # As ``_abbreviation`` asks: a segment longer than the tail that does not start with a digit.
    segments = [s for s in segments if len(s) > tokens.ABBREVIATION_TAIL and not s[0].isdecimal()]
    matched = [s for s in segments if segmenter.ABBREVIATIONS.search(s) is not None]

    assert len(matched) > 50
    assert [s for s in matched if not tokens._may_end_in_abbreviation(s)] == []
    assert sum(not tokens._may_end_in_abbreviation(s) for s in segments) > len(segments) // 2  # it rules out most
