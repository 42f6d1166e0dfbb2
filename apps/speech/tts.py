"""Text to speech without Django: sentence splitting, batching, and one subprocess per batch."""

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = Path(__file__).with_name("pyttsx3_synthesize.py")
#: A sentence ends at . ! ? (or …) followed by space and a capital, digit or quote, or at a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u024f])|\n\s*\n")
_SPACES = re.compile(r"\s+")


class SynthesisFailed(Exception):
    """The engine crashed, hung past its time limit or wrote no audio (retried: usually transient)."""


class EngineUnavailable(Exception):
    """pyttsx3 or espeak-ng is not installed on this worker."""


@dataclass(frozen=True)
class Voice:
    engine: str
    voice: str
    rate: int


def split_sentences(text: str) -> list[str]:
    sentences = (_SPACES.sub(" ", part).strip() for part in _SENTENCE_END.split(text))
    return [s for s in sentences if s]


def batches(sentences: list[str], *, max_chars: int) -> Iterator[str]:
    """Groups whole sentences into batches of at most ``max_chars`` (a longer sentence is cut at spaces)."""
    current = ""
    for sentence in sentences:
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            if current:
                yield current
                current = ""
            yield sentence[:cut]
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > max_chars:
            yield current
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        yield current


def _command(output: str, voice: Voice) -> list[str]:
    # -I: the script folder is not put on sys.path (this app has a selectors.py, which would shadow the stdlib).
    return [sys.executable, "-I", str(_SCRIPT), output, str(voice.rate)] + ([voice.voice] if voice.voice else [])


def synthesize(text: str, *, voice: Voice, timeout: float) -> bytes:
    """A WAV of ``text`` from a fresh pyttsx3 engine in its own process, killed after ``timeout`` seconds."""
    if voice.engine != "pyttsx3":
        raise EngineUnavailable(f"Narration engine {voice.engine!r} is not available (only pyttsx3 is built).")
    handle, output = tempfile.mkstemp(prefix="lp-tts-", suffix=".wav")
    os.close(handle)
    try:
        command = _command(output, voice)
        try:
            completed = subprocess.run(
                command, input=text.encode("utf-8"), capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:  # subprocess.run kills the child before raising
            raise SynthesisFailed(f"The speech engine did not finish within {timeout:.0f} s.") from exc
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace")
            if "No module named 'pyttsx3'" in stderr or "libespeak" in stderr or "eSpeak" in stderr:
                raise EngineUnavailable("pyttsx3 with espeak-ng is not installed on this worker.")
            raise SynthesisFailed(f"The speech engine failed (exit {completed.returncode}): {stderr[-300:]}")
        audio = Path(output).read_bytes()
        if len(audio) <= 44:  # a bare WAV header
            raise SynthesisFailed("The speech engine wrote no audio.")
        return audio
    finally:
        Path(output).unlink(missing_ok=True)
