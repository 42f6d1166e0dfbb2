"""A transcript's text with character offsets, its subtitle formats, and the map from text back to time.

No Django here. ``text`` is what documents receives: one segment per line, spaces collapsed, so documents'
cleaning leaves it as it is and a chunk's text can be found in it again to give the chunk its time.
"""

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_SPACES = re.compile(r"\s+")


def assemble(segments: Iterable[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The transcript text and the segments with ``char_start``/``char_end`` into it (empty ones dropped)."""
    lines: list[str] = []
    placed: list[dict[str, Any]] = []
    offset = 0
    for segment in segments:
        line = _SPACES.sub(" ", segment["text"]).strip()
        if not line:
            continue
        if lines:
            offset += 1  # the newline before this line
        placed.append({**segment, "text": line, "char_start": offset, "char_end": offset + len(line)})
        lines.append(line)
        offset += len(line)
    return "\n".join(lines), placed


def clock(seconds: float, *, separator: str = ".", hours: bool = True) -> str:
    millis = max(0, round(seconds * 1000))
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}" if hours else f"{m:02d}:{s:02d}{separator}{ms:03d}"


def label(seconds: float) -> str:
    """How a citation shows a time: 12:34, or 1:02:03 past the hour."""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def to_srt(segments: list[dict[str, Any]]) -> str:
    blocks = [
        f"{n}\n{clock(seg['start'], separator=',')} --> {clock(seg['end'], separator=',')}\n{seg['text']}\n"
        for n, seg in enumerate(segments, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: list[dict[str, Any]]) -> str:
    blocks = [f"{clock(seg['start'])} --> {clock(seg['end'])}\n{seg['text']}\n" for seg in segments]
    return "WEBVTT\n\n" + "\n".join(blocks)


def time_at(segments: list[dict[str, Any]], char_offset: int) -> float | None:
    """The start time of the segment holding ``char_offset`` of the transcript text (the next one if the
    offset falls on a line break)."""
    if not segments:
        return None
    ends = [seg["char_end"] for seg in segments]
    index = min(bisect.bisect_left(ends, char_offset + 1), len(segments) - 1)
    return float(segments[index]["start"])


def end_time_at(segments: list[dict[str, Any]], char_offset: int) -> float | None:
    """The end time of the segment holding the character just before ``char_offset``."""
    if not segments:
        return None
    ends = [seg["char_end"] for seg in segments]
    index = min(bisect.bisect_left(ends, max(char_offset, 1)), len(segments) - 1)
    return float(segments[index]["end"])


@dataclass(frozen=True)
class ChunkTime:
    index: int
    start: float
    end: float

    @property
    def label(self) -> str:
        return label(self.start)


def chunk_times(text: str, segments: list[dict[str, Any]], chunk_texts: list[tuple[int, str]]) -> list[ChunkTime]:
    """Finds each chunk (in order) in the transcript text and gives it the times of the segments it spans.

    Chunks come in text order and overlap a little, so each search starts a bit before where the previous
    chunk began; a chunk that cannot be found (text edited elsewhere) is left out rather than guessed.
    """
    found: list[ChunkTime] = []
    cursor = 0
    for index, chunk in chunk_texts:
        position = text.find(chunk, cursor)
        if position == -1:
            position = text.find(chunk)
        if position == -1 or not chunk:
            continue
        start = time_at(segments, position)
        end = end_time_at(segments, position + len(chunk))
        if start is not None and end is not None:
            found.append(ChunkTime(index=index, start=start, end=max(start, end)))
        cursor = position
    return found
