"""yake's sentences of a text and word tokens of a sentence, as ``yake.data.utils.tokenize_sentences`` makes
them (segtok's ``split_multi``, then segtok's tokens of each sentence), at a fraction of the cost.

yake tokenizes with segtok: ``split_contractions(web_tokenizer(sentence))``, then drops tokens that are empty
or start with an apostrophe. Most of that time goes into segtok's word pattern, applied to each
space-separated piece of every sentence, the same pieces again and again ("the", "of", "Prince,"). This
module gives the same tokens (a unit test compares them with segtok's on every sentence of the corpus)
and differs only in what it computes once:

- the word pattern's split of a piece is a function of the piece alone, so it is memoised per piece, and an
  ASCII piece is split by the same pattern written for the standard library's ``re`` (:data:`_ASCII_WORD`);
- so is the contraction split of a token (segtok's ``split_contractions`` treats each token on its own);
- segtok's URL and e-mail pattern can only match where ``://`` or ``@`` stands, and ``html.unescape``
  changes nothing without ``&``: sentences without them skip both;
- segtok's sentence splitter tries its abbreviation pattern, which can only match at the end of a segment,
  on the segment's end only, and not at all on a segment that ends with no known abbreviation and no capital
  (:func:`_abbreviation`); of each pair of its pattern tests, the one anchored at a string's start runs first.

What segtok does to the sentence as a whole (the sentence terminal split off one of its last three tokens,
dangling commas and colons split off) is :func:`_splice`, and the sentence splitter's joining of spans is
:func:`_abbreviation_joiner` and :func:`sentences`: copied from segtok 1.5 (MIT licence, Florian Leitner)
with their logic unchanged.
"""

import re
from collections.abc import Iterator
from functools import lru_cache
from html import unescape

from segtok import segmenter
from segtok.segmenter import SENTENCE_TERMINALS
from segtok.tokenizer import APO_MATCHER, HYPHENATED_LINEBREAK, space_tokenizer, split_contractions, web_tokenizer
from segtok.tokenizer import word_tokenizer as _segtok_word_tokenizer

#: Characters segtok's hyphenated line-break pattern needs (its ``LINEBREAK``): without one it changes nothing.
_LINEBREAKS = ("\n", "\r", "\u2028")


#: segtok's word pattern (``word_tokenizer``'s) as it reads ASCII text, for the standard library's ``re``, which
#: runs it in less than half the time of the ``regex`` module's Unicode pattern. In ASCII, segtok's letters
#: and numbers are ``[A-Za-z0-9]``, its hyphens ``-``, and none of its non-ASCII apostrophes, superscripts or
#: subscripts can stand, so the alternatives that need them drop out. A unit test compares the two on every
#: ASCII piece of the corpus and on every string of up to four characters over the pattern's own symbols.
_ASCII_WORD = re.compile(
    r"((?:[A-Za-z0-9]\.(?!\.\.)|[A-Za-z0-9],(?=[A-Za-z0-9])|[0-9]:(?=[0-9])|[A-Za-z0-9]-(?=[A-Za-z0-9])"
    r"|[A-Za-z0-9]'(?=[A-Za-z0-9])|s'$|[A-Za-z0-9])+)"
)


@lru_cache(maxsize=65536)
def _piece(span: str) -> tuple[str, ...]:
    """segtok's word pattern's split of one space-separated piece, without empty strings: a piece of ASCII
    letters and digits only is one token; another ASCII piece goes through :data:`_ASCII_WORD`."""
    if span.isascii():
        if span.isalnum():
            return (span,)
        return tuple(token for token in _ASCII_WORD.split(span) if token)
    return tuple(token for token in _segtok_word_tokenizer.split(span) if token)


@lru_cache(maxsize=65536)
def _contractions(token: str) -> tuple[str, ...]:
    """``split_contractions([token])``: a contraction's pieces ("don't" -> "do", "n't"), else the token."""
    return tuple(split_contractions([token]))


def _splice(tokens: list[str]) -> list[str]:
    """segtok's ``word_tokenizer`` after its split: the sentence terminal off one of the last three tokens,
    then any dangling comma, semicolon or colon off every token."""
    for idx, word in enumerate(reversed(tokens[-3:]), 1):
        if (_segtok_word_tokenizer.match(word) and not APO_MATCHER.match(word)) or any(
            t in word for t in SENTENCE_TERMINALS
        ):
            last = len(word) - 1
            if last == 0 or word == "...":
                pass  # any case of "..." or any single character: left as it is
            elif any(word.rfind(t) == last for t in SENTENCE_TERMINALS):  # "stuff."
                tokens[-idx] = word[:-1]
                tokens.insert(len(tokens) - idx + 1, word[-1])
            elif any(word.find(t) == 0 for t in SENTENCE_TERMINALS):  # ".stuff"
                tokens[-idx] = word[0]
                tokens.insert(len(tokens) - idx + 1, word[1:])
            break
    dirty = True
    while dirty:
        dirty = False
        for idx, word in enumerate(reversed(tokens), 1):
            while len(word) > 1 and word[-1] in ",;:":
                char = word[-1]  # the dangling comma or colon
                word = word[:-1]
                tokens[-idx] = word
                tokens.insert(len(tokens) - idx + 1, char)
                idx += 1
                dirty = True
            if dirty:
                break  # restart the check: the indexes moved
    return tokens


def word_tokens(sentence: str) -> list[str]:
    """segtok's ``word_tokenizer(sentence)``."""
    if any(mark in sentence for mark in _LINEBREAKS):
        sentence = HYPHENATED_LINEBREAK.sub(r"\1\2", sentence)
    return _splice([token for span in space_tokenizer(sentence) for token in _piece(span)])


def web_tokens(sentence: str) -> list[str]:
    """segtok's ``web_tokenizer(sentence)``: URLs and e-mail addresses kept whole, the rest by
    :func:`word_tokens` once HTML escapes are undone."""
    if "://" not in sentence and "@" not in sentence:
        return word_tokens(unescape(sentence) if "&" in sentence else sentence)
    return [
        token
        for i, span in enumerate(web_tokenizer.split(sentence))
        for token in ((span,) if i % 2 else word_tokens(unescape(span)))
    ]


def yake_tokens(sentence: str) -> list[str]:
    """The tokens yake reads from one sentence (``tokenize_sentences``'s inner list)."""
    return [
        piece
        for token in web_tokens(sentence)
        for piece in _contractions(token)
        if piece and not (piece.startswith("'") and len(piece) > 1)
    ]


#: Characters before a sentence end that segtok's abbreviation pattern is tried on (see :func:`_abbreviation`).
ABBREVIATION_TAIL = 24


def _abbreviation(segment: str) -> bool:
    """``segmenter.ABBREVIATIONS.search(segment) is not None``, trying the pattern on the segment's last
    :data:`ABBREVIATION_TAIL` characters only: it was tried at every position of a segment as long as a
    sentence, about 1.2 µs a position.

    Exact: the pattern ends with ``$``, so a match ends at the segment's end or before a final line break,
    and each of its alternatives but two is at most 16 characters long: a known abbreviation at most 6
    ("approx"); an initial ("A" or "A.-B") after "Commander " or "Professor " at most 9 + 1 + 4 + 2, after
    ", and " 12, after a bracket 7. Its look-behinds and word boundaries still see the characters before the
    start position (``regex`` searches from ``pos`` with the whole string as context, as ``re`` does). The
    two others are anchored at the string's start: a one-character segment (shorter than the tail) and
    digits only, for which the whole segment is searched when it starts with a digit. A unit test compares
    with the whole search on every segment of the corpus and on written ones (the longest cases included)."""
    start = len(segment) - ABBREVIATION_TAIL
    if start <= 0 or segment[0].isdecimal():
        return segmenter.ABBREVIATIONS.search(segment) is not None
    if not _may_end_in_abbreviation(segment):
        return False
    return segmenter.ABBREVIATIONS.search(segment, start) is not None


def _abbreviation_endings() -> tuple[str, ...] | None:
    """Every string the pattern's list of known abbreviations matches ("Dr", "e.g", "eg", "figs", ...),
    expanded from the pattern's own text (its list uses only ``\\.?``, ``\\.`` and ``s?``); None if the list
    holds anything else, and then no string is ruled out before the pattern is tried."""
    pattern = segmenter.ABBREVIATIONS.pattern
    start = pattern.find("(?:", pattern.find("\\b")) + 3
    found: set[str] = set()
    for alternative in pattern[start : pattern.index(")", start)].split("|"):
        forms = [""]
        i = 0
        while i < len(alternative):
            if alternative.startswith("\\.?", i):
                forms, i = [f + "." for f in forms] + forms, i + 3
            elif alternative.startswith("\\.", i):
                forms, i = [f + "." for f in forms], i + 2
            elif alternative.startswith("s?", i):
                forms, i = [f + "s" for f in forms] + forms, i + 2
            elif alternative[i].isalpha():
                forms, i = [f + alternative[i] for f in forms], i + 1
            else:
                return None
        found.update(forms)
    return tuple(sorted(found)) or None


#: See :func:`_abbreviation_endings`.
_ABBREVIATION_ENDINGS = _abbreviation_endings()


def _may_end_in_abbreviation(segment: str) -> bool:
    """False only where the abbreviation pattern cannot match at the end of a segment (one longer than
    :data:`ABBREVIATION_TAIL` that does not start with a digit, as :func:`_abbreviation` asks): its match
    ends with a known abbreviation (alternative 1) or with a capital or title-case letter, which a modifier
    letter may follow (alternative 4), before an optional final line break. An ASCII last character other
    than A-Z is neither (nor a modifier letter); any other last character is left to the pattern (whose
    Unicode tables may be newer than ``unicodedata``'s). Most segments end with a lower-case word that is no
    abbreviation."""
    end = segment[:-1] if segment.endswith("\n") else segment
    if _ABBREVIATION_ENDINGS is None or end.endswith(_ABBREVIATION_ENDINGS):
        return True
    last = end[-1:]
    return not last.isascii() or "A" <= last <= "Z" or last == ""


def _continues(prev_s: str, next_s: str | None) -> bool:
    """segmenter's tests that the span after a dot continues the sentence: a lone lower-case word, a month
    after a day's digits, a capitalised word after a middle initial."""
    return bool(
        next_s
        and (
            segmenter.LONE_WORD.match(next_s)
            or (segmenter.MONTH.match(next_s) and segmenter.ENDS_IN_DATE_DIGITS.search(prev_s))
            or (segmenter.UPPER_WORD_START.match(next_s) and segmenter.MIDDLE_INITIAL_END.search(prev_s))
        )
    )


def _abbreviation_joiner(spans: list[str]) -> Iterator[str]:
    """segmenter's ``_abbreviation_joiner`` (segtok 1.5, MIT licence, Florian Leitner; its logic unchanged):
    joins back the spans split at a terminal that ends an abbreviation, with :func:`_abbreviation` (and the
    anchored test of each pair first, see :func:`sentences`)."""
    segment = None
    total = len(spans)
    for pos in range(total):
        if pos and pos % 2:  # even: a segment; odd: a (potential) terminal
            prev_s = spans[pos - 1]
            next_s = spans[pos + 1] if pos + 1 < total else None
            joined = prev_s[-1:].isspace() or (
                spans[pos][0] == "." and (_abbreviation(prev_s) or _continues(prev_s, next_s))
            )
            if not joined:
                yield "".join(spans[segment : pos + 1])
                segment = None
        elif segment is None:
            segment = pos
    if segment is not None:
        yield "".join(spans[segment:total])


def sentences(text: str) -> list[str]:
    """segtok's ``split_multi(text)`` (the sentences yake tokenizes), with :func:`_abbreviation_joiner`; the
    rest is segmenter's ``_sentences`` (segtok 1.5, MIT licence, Florian Leitner; its logic unchanged). Where
    two pattern tests must both pass, the one anchored at a string's start (cheap, and mostly failing) is
    tried first: the tests have no side effects, so the order does not change the result."""
    short = segmenter.SHORT_SENTENCE_LENGTH
    found: list[str] = []
    last = None
    for current in _abbreviation_joiner(segmenter.MAY_CROSS_ONE_LINE.split(text)):
        if last is None:
            last = current
            continue
        shorter = len(current) < short or len(last) < short
        if (
            (segmenter.LOWER_WORD.match(current) and segmenter.BEFORE_LOWER.match(last))
            or (
                shorter
                and segmenter._is_open(last)
                and (
                    segmenter._is_not_opened(current)
                    or last.endswith(" et al. ")
                    or (segmenter.UPPER_CASE_START.match(current) and segmenter.UPPER_CASE_END.search(last))
                )
            )
            or (
                shorter
                and segmenter._is_open(last, "[]")
                and (
                    segmenter._is_not_opened(current, "[]")
                    or last.endswith(" et al. ")
                    or (segmenter.UPPER_CASE_START.match(current) and segmenter.UPPER_CASE_END.search(last))
                )
            )
            or segmenter.CONTINUATIONS.match(current)
        ):
            last = f"{last}{current}"
        else:
            found.append(last.strip())
            last = current
    if last is not None:
        found.append(last.strip())
    return found
