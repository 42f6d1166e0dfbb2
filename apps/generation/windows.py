"""Page windows: a document is read a few pages at a time, so memory stays bounded and time linear."""

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from apps.generation.text import clean, heading_level, is_strong_heading, split_sentences
from apps.generation.types import Citation, Passage


@dataclass(frozen=True)
class Sentence:
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

    @cached_property
    def word_count(self) -> int:  # asked for by the prose filter, the summary and the quiz, many times each
        return len(self.text.split())

    def __hash__(self) -> int:
        """The dataclass's own hash (of all the fields), computed once: a sentence is a key of the prose
        filter's and the definitions' caches and of the quiz's terms, looked up many times each."""
        found = self.__dict__.get("_hash")
        if found is None:
            found = self.__dict__["_hash"] = hash(
                (self.text, self.raw, self.page, self.start, self.end, self.chunk, self.is_whole)
            )
        return found


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
    """The page's text rebuilt from its (overlapping) chunks, at the chunks' own offsets."""
    length = max(p.end for p in passages)
    buffer = [" "] * length
    for passage in passages:
        buffer[passage.start : passage.start + len(passage.text)] = passage.text
    return "".join(buffer)


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


def _page_lines(text: str) -> Iterator[tuple[int, str]]:
    position = 0
    for line in text.split("\n"):
        yield position, line
        position += len(line) + 1


def build_window(index: int, pages: dict[int, list[Passage]]) -> Window:
    window = Window(index=index, pages=sorted(pages), passages=[p for ps in pages.values() for p in ps])
    texts = {number: page_text(ps) for number, ps in pages.items()}
    repeated = _repeated_lines(texts) if len(texts) >= 3 else set()
    for number in window.pages:
        chunks, text = _PageChunks(pages[number]), texts[number]
        lines = list(_page_lines(text))
        for i, (offset, line) in enumerate(lines):
            level = heading_level(line)
            if level is None:
                continue
            followed_by_prose = i + 1 < len(lines) and len(lines[i + 1][1].strip()) >= 50
            if (followed_by_prose or is_strong_heading(line)) and (title := clean(line)) not in repeated:
                chunk, _ = chunks.chunk_for(offset, offset + len(line))
                window.headings.append(Heading(title, level, Citation(chunk, number)))
        for span in split_sentences(text):
            shown = clean(span.text)
            if not shown or shown in repeated:
                continue
            chunk, whole = chunks.chunk_for(span.start, span.end)
            window.sentences.append(Sentence(shown, span.text, number, span.start, span.end, chunk, whole))
    return window


def _repeated_lines(texts: dict[int, str]) -> set[str]:
    """Running headers and footers: short lines found on at least half the window's pages."""
    counts: Counter[str] = Counter()
    for text in texts.values():
        counts.update({clean(line) for line in text.split("\n") if 0 < len(line.strip()) < 80})
    return {line for line, seen in counts.items() if seen >= max(3, len(texts) // 2)}


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
