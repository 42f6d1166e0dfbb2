"""Split a page's text into overlapping chunks that remember where they came from (for citations)."""

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ChunkSpan:
    page_number: int
    char_start: int
    char_end: int
    text: str


_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


def _cut(text: str, start: int, limit: int) -> int:
    """The best end of a chunk starting at ``start``: the last paragraph, line, sentence or word break in
    the second half of the window, else the hard limit."""
    end = start + limit
    if end >= len(text):
        return len(text)
    floor = start + limit // 2
    for separator in _BREAKS:
        at = text.rfind(separator, floor, end)
        if at != -1:
            return at + len(separator)
    return end


def chunk_page(page_number: int, text: str, *, size: int, overlap: int) -> Iterator[ChunkSpan]:
    start = 0
    while start < len(text):
        end = _cut(text, start, size)
        span = text[start:end]
        if span.strip():
            yield ChunkSpan(page_number, start, end, span)
        if end >= len(text):
            break
        next_start = max(end - overlap, start + 1)
        # Start the overlap on a word boundary.
        space = text.find(" ", next_start, end)
        start = space + 1 if space != -1 else next_start
