"""Small text tools: a sentence splitter that keeps offsets, headings, normalisation, word lists.

NLTK's models are a download; this splitter is enough for study material: it splits after ``.``, ``!``
or ``?`` followed by a capital, a digit or a quote, except after common abbreviations and initials, and
at paragraph breaks and short heading-like lines (PDF text wraps lines inside sentences).
"""

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "vs",
        "fig",
        "figs",
        "cf",
        "al",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "approx",
        "ca",
        "p",
        "pp",
        "vol",
        "ed",
        "eds",
    ]
)
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "one",
        "two",
        "many",
        "much",
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "et",
        "en",
        "un",
        "une",
    ]
)
_END = re.compile(r"[.!?][\"')\]]*(?:\[\d+\])*(?=\s+[\"'(\[]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f0-9][\w'\u2019-]*")
_REFERENCE = re.compile(r"\[\d+(?:[,\u2013-]\d+)*\]")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def clean(text: str) -> str:
    """One line, single spaces, footnote markers like ``[31]`` removed: how a sentence is shown."""
    # ``" ".join(split())`` is ``_SPACES.sub(" ", ...).strip()``: both use Unicode's whitespace.
    return " ".join((_REFERENCE.sub("", text) if "[" in text else text).split())


#: White space: every character ``str.isspace`` (and so ``str.split``, ``str.strip`` and ``\s``) takes for it,
#: but the line break (the last one is U+3000). The ASCII ones as bytes, and those other than a space.
_SPACES = [c for c in map(chr, range(0x3001)) if c.isspace() and c != "\n"]
_ASCII_SPACES = "".join(c for c in _SPACES if c.isascii()).encode("ascii")
_ASCII_ODD_SPACES = [c for c in _SPACES if c.isascii() and c != " "]


def plain_spacing(text: str) -> bool:
    """Whether ``text`` is ASCII and holds no reference (no ``[``), no white space but spaces and line breaks,
    and no two of these in a row but empty lines (``\n\n``): then :func:`clean` of a stripped piece of it
    holding no empty line only turns its line breaks into spaces. (A text that is not ASCII is said not to
    be: testing it character by character would cost more than the cleaning it saves.)"""
    return text.isascii() and not (
        "[" in text
        or "  " in text
        or " \n" in text
        or "\n " in text
        or any(space in text for space in _ASCII_ODD_SPACES)
    )


def line_keys(text: str) -> list[bytes]:
    """A key for each line of ``text`` (split at ``\n``), the same for lines that :func:`clean` makes alike:
    the ASCII characters of the cleaned line other than white space, all made at once. References are
    removed from the whole text as from each line (they hold no line break); the characters that are not
    ASCII (white space or not) are dropped by the encoding, the ASCII white space (but line breaks) by
    ``bytes.translate``."""
    if "[" in text:
        text = _REFERENCE.sub("", text)
    return text.encode("ascii", "ignore").translate(None, _ASCII_SPACES).split(b"\n")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """For comparing answers: lower case, no accents, no punctuation, single spaces."""
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKD", text.casefold()))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_WORD.findall(text))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_words(text: str) -> list[str]:
    return [w for w in (normalise(w) for w in words(text)) if w not in STOPWORDS and len(w) > 1]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs, and heading-like short lines on their own: spans no sentence crosses.

    Each line is stripped once (:func:`_is_heading_break` strips the line and the next one again for every
    line; the test below is the same on the stripped lines)."""
    blocks: list[tuple[int, int]] = []
    start = 0
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]
    stripped.append("")  # the line after the last
    last = len(lines) - 1
    position = 0
    for i, line in enumerate(lines):
        end = position + len(line)
        here = stripped[i]
        if (
            not here
            or i == last
            or (
                len(here) < 60
                and here[-1] not in ".,;:!?-\u2013"
                and bool(following := stripped[i + 1])
                and following[0].isupper()
            )
        ):
            if text[start:end].strip():
                blocks.append((start, end))
            start = end + 1
        position = end + 1
    return blocks


def split_sentences(text: str) -> list[Span]:
    """Sentences with their offsets into ``text`` (leading and trailing spaces excluded)."""
    return [Span(start, end, piece) for start, end, piece in sentence_spans(text)]


_LAST_WORD = re.compile(r"\w+$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the word before ``dot`` (the last run of word characters, or the one before a line break that
    ends just before it) is an initial or one of :data:`ABBREVIATIONS`.

    The word is looked for in the 8 characters before ``dot`` (it was the 30 before, sliced out): a run of up
    to 7 word characters fits there whole, with a line break after it or not, as it did in 30; a longer one
    may come out cut, but at 7 characters or more, here as there, and such a word is neither an initial nor
    an abbreviation (the longest is 6 characters, and case folding never shortens a word). ``pos`` and
    ``endpos`` bound the search as the slice did (``$`` matches at ``endpos``, or before a line break just
    before it), without copying the slice."""
    match = _LAST_WORD.search(text, dot - 8 if dot > 8 else 0, dot)
    if match is None:
        return False
    word = match.group()
    return (len(word) == 1 and word.isupper()) or word.casefold() in ABBREVIATIONS


def _marks(text: str) -> list[int]:
    """Where ``.``, ``!`` and ``?`` stand in ``text``, in order: ``str.find`` jumps from one to the next,
    where a pattern's search tests every character."""
    found: list[int] = []
    for mark in ".!?":
        at = text.find(mark)
        while at >= 0:
            found.append(at)
            at = text.find(mark, at + 1)
    found.sort()
    return found


def sentence_spans(text: str) -> list[tuple[int, int, str]]:
    """:func:`split_sentences` as ``(start, end, text)`` tuples (a frozen dataclass per sentence costs more to
    make than the rest of its splitting; the window's sentences need only the three values).

    A sentence ends where :data:`_END` matches in its block, as ``_END.finditer(text, block_start,
    block_end)`` found the matches, but without a pattern's scan of every character up to the first mark
    (``.!?``) of each block: a match starts at a mark and holds no other (only quotes, brackets and digits
    follow its first character), so the next match is the one ``_END.search`` finds from the first mark
    after the last match (``str.find`` finds the marks, ``bisect`` skips those the search passed). Every
    mark is in a block (the blocks hold every line with a character other than white space), so the marks
    are taken block by block. Each piece is added stripped, unless it is only white space."""
    spans: list[tuple[int, int, str]] = []
    marks = _marks(text)
    count, next_mark = len(marks), 0
    for block_start, block_end in _blocks(text):
        start = block_start
        while next_mark < count and marks[next_mark] < block_end:
            match = _END.search(text, marks[next_mark], block_end)
            if match is None:
                next_mark = bisect.bisect_left(marks, block_end, next_mark)
                break
            dot = match.start()
            next_mark = bisect.bisect_right(marks, dot, next_mark)
            if _is_abbreviation(text, dot):
                continue
            end = match.end()
            _append(spans, text, start, end)
            start = end
        _append(spans, text, start, block_end)
    return spans


def _append(spans: list[tuple[int, int, str]], text: str, start: int, end: int) -> None:
    """``text[start:end]`` stripped, with its offsets, unless it is only white space."""
    if left := text[start:end].lstrip():
        stripped = left.rstrip()  # ``piece.strip()``, from the left-stripped piece
        offset = end - len(left)
        spans.append((offset, offset + len(stripped), stripped))


_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z]")


def heading_level(line: str) -> int | None:
    """1..3 if ``line`` looks like a heading (short, no final period, capitalised or numbered), else None."""
    line = line.strip()
    if not (3 <= len(line) <= 80) or line[-1] in ".,;:" or len(line.split()) > 10:
        return None
    numbered = _NUMBERED.match(line)
    if numbered:
        return min(3, numbered.group(1).count(".") + 1)
    # The characters are counted by ``map`` (in C) rather than a generator; no character is both a letter
    # and white space, so the letters and spaces of the sentence-case test below add up.
    letters = sum(map(str.isalpha, line))
    if not line[0].isupper() or letters < 3 or sum(map(str.isdigit, line)) > 2:
        return None
    if line.isupper() or line.lower().startswith(("chapter", "part ", "section")):
        return 1
    significant = [w for w in line.split() if w.casefold() not in STOPWORDS and w[0].isalpha()]
    if significant and all(w[0].isupper() for w in significant):
        return 2
    if len(line.split()) <= 6 and letters + sum(map(str.isspace, line)) == len(line):
        return 2  # sentence-case headings ("Early life and career")
    return None


def is_strong_heading(line: str) -> bool:
    """Numbered, "Chapter ..."/"Part ..."/"Section ...", or in capitals: a heading even without prose after it."""
    line = line.strip()
    return bool(_NUMBERED.match(line)) or line.isupper() or line.lower().startswith(("chapter", "part ", "section"))
