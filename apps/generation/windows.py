"""Page windows: a document is read a few pages at a time, so memory stays bounded and time linear."""

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import overload

from apps.generation.text import clean, heading_level, is_strong_heading, line_keys, plain_spacing, sentence_spans
from apps.generation.types import Citation, Passage


class _WordCount:
    """A sentence's number of words, counted on first use and kept in the sentence (asked for by the prose
    filter, the summary and the quiz, many times each): ``functools.cached_property`` without the lock that
    Python 3.11's takes on every first use, which cost more than the count."""

    @overload
    def __get__(self, sentence: None, owner: type | None = None) -> "_WordCount": ...

    @overload
    def __get__(self, sentence: "Sentence", owner: type | None = None) -> int: ...

    def __get__(self, sentence: "Sentence | None", owner: type | None = None) -> "int | _WordCount":
        if sentence is None:
            return self
        count = sentence.__dict__["word_count"] = len(sentence.text.split())
        return count


@dataclass(frozen=True, eq=False)
class Sentence:
    """A sentence of a window. Compared and hashed by identity: :func:`build_window` makes each sentence once
    and the window's analysis keeps it, and it is a key of the prose filter's and the definitions' caches
    and of the quiz's terms, looked up many times each (a hash of all the fields was a Python call each
    time). Two builds of the same page make distinct, equal-valued sentences, which these pure caches see as
    two keys: the same results."""

    text: str  # cleaned for display
    raw: str  # exactly as in the page text
    page: int
    start: int
    end: int
    chunk: int
    is_whole: bool  # lies inside one chunk, so that chunk alone supports it

    @property
    def citation(self) -> Citation:
        return Citation(chunk=self.chunk, page=self.page)

    word_count = _WordCount()

    @classmethod
    def made(cls, text: str, raw: str, page: int, start: int, end: int, chunk: int, is_whole: bool) -> "Sentence":
        """``Sentence(...)``, faster: a frozen dataclass's ``__init__`` sets each field with
        ``object.__setattr__`` (seven calls), this sets the instance's fields at once (a window makes
        thousands of sentences)."""
        sentence = object.__new__(cls)
        sentence.__dict__.update(text=text, raw=raw, page=page, start=start, end=end, chunk=chunk, is_whole=is_whole)
        return sentence


@dataclass(frozen=True)
class Heading:
    title: str
    level: int
    citation: Citation


@dataclass
class Window:
    index: int
    pages: list[int]
    passages: list[Passage]
    sentences: list[Sentence] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sentences)

    def passage(self, chunk: int) -> Passage | None:
        return next((p for p in self.passages if p.chunk == chunk), None)


def page_text(passages: list[Passage]) -> str:
    """The page's text rebuilt from its (overlapping) chunks, at the chunks' own offsets (where chunks
    overlap, the later one's text is kept; a gap is filled with spaces)."""
    if _laid_in_order(passages):
        return _page_text_in_order(passages)
    length = max(p.end for p in passages)
    buffer = [" "] * length
    for passage in passages:
        buffer[passage.start : passage.start + len(passage.text)] = passage.text
    return "".join(buffer)


def _laid_in_order(passages: list[Passage]) -> bool:
    """Chunks in reading order, as the extraction stores them: each text as long as its span, and the
    starts and the ends both ascending."""
    return all(p.start >= 0 and len(p.text) == p.end - p.start for p in passages) and all(
        a.start <= b.start and a.end <= b.end for a, b in itertools.pairwise(passages)
    )


def _page_text_in_order(passages: list[Passage]) -> str:
    """:func:`page_text` of chunks laid in order, by slices instead of one list item per character: where a
    chunk starts, the later chunk's text takes over (the chunks covering a position are consecutive, and the
    last of them is the one that starts last before it)."""
    pieces: list[str] = []
    position = 0
    for passage, following in itertools.zip_longest(passages, passages[1:]):
        until = passage.end if following is None else min(passage.end, following.start)
        if position < passage.start:
            pieces.append(" " * (passage.start - position))
            position = passage.start
        if position < until:
            pieces.append(passage.text[position - passage.start : until - passage.start])
            position = until
    return "".join(pieces)


def _chunk_for(passages: list[Passage], start: int, end: int) -> tuple[int, bool]:
    """The first passage (in list order) that holds ``start:end`` whole, else the one that overlaps it most."""
    for passage in passages:
        if passage.start <= start and end <= passage.end:
            return passage.chunk, True
    best = max(passages, key=lambda p: min(end, p.end) - max(start, p.start))
    return best.chunk, False


class _PageChunks:
    """:func:`_chunk_for` for one page's passages, with a binary search instead of a scan from the first
    passage for every sentence when the passages' starts and ends both ascend (chunks in reading order, as
    the extraction stores them): the first passage whose end reaches ``end`` is then the first that can
    hold the span, and holds it if it starts early enough. Any other order scans as before."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.ends = [p.end for p in passages]
        self.ordered = all(a.start <= b.start and a.end <= b.end for a, b in itertools.pairwise(passages))

    def chunk_for(self, start: int, end: int) -> tuple[int, bool]:
        if self.ordered:
            first = bisect.bisect_left(self.ends, end)
            if first < len(self.passages) and self.passages[first].start <= start:
                return self.passages[first].chunk, True
            # No passage holds the span: the previous ones end too early, the later ones start later.
            best = max(self.passages, key=lambda p: min(end, p.end) - max(start, p.start))
            return best.chunk, False
        return _chunk_for(self.passages, start, end)


#: A line that could be a heading: its first character other than white space is neither an ASCII lower-case
#: letter nor ASCII punctuation (a heading starts with a capital or a number, see ``heading_level``).
_MAY_BE_A_HEADING = re.compile(r"^[^\S\n]*[^\sa-z!-/:-@\[-`{-~]", re.MULTILINE)


#: A line :data:`_MAY_BE_A_HEADING` finds that ``heading_level`` does not reject for its words or its end: at
#: most 10 words (runs of characters other than white space, as ``str.split`` cuts them), the last not
#: ending in ``.,;:``. Written after a line break (the text searched has one put before it), so that the
#: search jumps from line break to line break instead of trying ``^`` at every character; possessive, so
#: that a longer line fails without backtracking.
_HEADING_LINE = re.compile(
    r"\n[^\S\n]*+[^\sa-z!-/:-@\[-`{-~]\S*+(?:[^\S\n]++\S++){0,9}+(?<![.,;:])[^\S\n]*+$", re.MULTILINE
)


def _heading_candidates(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line that could be a heading, in order; the other lines (most of a page of
    prose) are not tested one by one. In ``"\n" + text``, a match starts at the line break before its line
    and ends at the line's end, both one further than in ``text``."""
    for match in _HEADING_LINE.finditer("\n" + text):
        yield match.start(), match.end() - 1


def _followed_by_prose(text: str, end: int) -> bool:
    """Whether the line after the one ending at ``end`` has 50 characters or more once stripped."""
    if end >= len(text):
        return False  # the last line
    after = text.find("\n", end + 1)
    following = text[end + 1 :] if after < 0 else text[end + 1 : after]
    return len(following.strip()) >= 50


def build_window(index: int, pages: dict[int, list[Passage]]) -> Window:
    window = Window(index=index, pages=sorted(pages), passages=[p for ps in pages.values() for p in ps])
    texts = {number: page_text(ps) for number, ps in pages.items()}
    repeated = _repeated_lines(texts) if len(texts) >= 3 else set()
    for number in window.pages:
        chunks, text = _PageChunks(pages[number]), texts[number]
        for offset, end in _heading_candidates(text):
            line = text[offset:end]
            level = heading_level(line)
            if level is None:
                continue
            if (_followed_by_prose(text, end) or is_strong_heading(line)) and (title := clean(line)) not in repeated:
                chunk, _ = chunks.chunk_for(offset, end)
                window.headings.append(Heading(title, level, Citation(chunk, number)))
        _add_sentences(window.sentences, number, text, chunks, repeated)
    return window


def _add_sentences(sentences: list[Sentence], number: int, text: str, chunks: _PageChunks, repeated: set[str]) -> None:
    """The page's sentences, as ``Sentence.made(clean(raw), raw, number, start, end, *chunks.chunk_for(start,
    end))`` for each span whose cleaned text is neither empty nor a running header, made with less work:

    - ``clean(raw)`` is ``raw.replace("\n", " ")`` on a page of :func:`~apps.generation.text.plain_spacing`:
      a span holds no empty line (an empty line ends its block) and is stripped, so its words are then
      parted by one space or one line break each, and it holds no reference; its word count (asked by the
      prose filter and the definitions) is then its number of spaces plus one, kept in the sentence.
    - ``chunk_for`` of ordered chunks is written out, its binary search ``bisect_left(ends, end)`` made a
      walk: the spans come in order, their ends ascending, so the first chunk ending at or after a span's
      end is never before the previous span's. ``Sentence.made`` is written out too."""
    plain = plain_spacing(text)
    ordered, ends, passages = chunks.ordered, chunks.ends, chunks.passages
    held_by = len(passages)
    new, append = object.__new__, sentences.append
    first = 0
    fields: dict[str, object]
    for start, end, raw in sentence_spans(text):
        if plain:
            shown = raw.replace("\n", " ")
            # One space between words, none at the ends: ``len(shown.split())``, kept now as the word count
            # the prose filter and the definitions ask for (``_WordCount`` reads it from the sentence).
            fields = {"word_count": shown.count(" ") + 1}
        else:
            shown = clean(raw)
            if not shown:
                continue
            fields = {}
        if repeated and shown in repeated:
            continue
        if ordered:
            while first < held_by and ends[first] < end:
                first += 1
        if ordered and first < held_by and passages[first].start <= start:
            chunk, whole = passages[first].chunk, True
        else:
            chunk, whole = chunks.chunk_for(start, end)
        sentence = new(Sentence)
        fields.update(text=shown, raw=raw, page=number, start=start, end=end, chunk=chunk, is_whole=whole)
        sentence.__dict__.update(fields)
        append(sentence)


def _repeated_lines(texts: dict[int, str]) -> set[str]:
    """Running headers and footers: short lines found on at least half the window's pages.

    Only the lines whose :func:`~apps.generation.text.line_keys` key stands on that many pages are cleaned
    and counted: two lines that clean alike have the same key (it is made from the cleaned line), so a
    cleaned line on that many pages has its key on as many; the others (most lines, each on one page)
    cannot reach the count, and the keys of all the lines of a page cost less than cleaning each."""
    least = max(3, len(texts) // 2)
    keys = [line_keys(text) for text in texts.values()]
    pages_with: Counter[bytes] = Counter()
    for page_keys in keys:
        pages_with.update(set(page_keys))
    common = {key for key, seen in pages_with.items() if seen >= least}
    if not common:
        return set()  # no line can stand on enough pages (so on most windows)
    counts: Counter[str] = Counter()
    for text, page_keys in zip(texts.values(), keys, strict=True):
        lines = itertools.compress(text.split("\n"), map(common.__contains__, page_keys))
        counts.update({clean(line) for line in lines if 0 < len(line.strip()) < 80})
    return {line for line, seen in counts.items() if seen >= least}


def windows(passages: Iterable[Passage], *, pages_per_window: int) -> Iterator[Window]:
    """Groups passages (in document order) by page, ``pages_per_window`` pages at a time."""
    pages: dict[int, list[Passage]] = {}
    index = 0
    for number, group in itertools.groupby(passages, key=lambda p: p.page):
        pages.setdefault(number, []).extend(group)
        if len(pages) >= pages_per_window:
            yield build_window(index, pages)
            index, pages = index + 1, {}
    if pages:
        yield build_window(index, pages)
