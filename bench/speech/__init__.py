"""Speech benchmark: real-time factor of our transcription job next to bare faster-whisper on the same audio
in the same run; our narration next to the bare engine on the same text, for pyttsx3 and for Piper (seconds
of audio per second of compute); and the round trip: word error rate of our transcription of our own
narration, per engine.

    .venv/bin/python -m bench speech            (or: .venv/bin/python -m bench.speech)
    .venv/bin/python -m bench speech --quick    (jfk.flac once, a short text: a smoke run)

"Our job" is the real path: service -> audio.*.requested -> job (eager Celery) -> rows, files, document and
events in SQLite, in a throwaway DATA_DIR. Both sides use the same model settings (packaged tiny.en, int8,
VAD, beam 5, SPEECH_WHISPER_THREADS) with the model already loaded (the first job of a worker pays the load
once: reported separately; so is the Piper voice's load). Results also go to bench/results/speech.json.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JFK = ROOT / "tests" / "fixtures" / "corpus" / "jfk.flac"
JFK_REFERENCE = (
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
)
LECTURE = (
    "Photosynthesis converts light energy into chemical energy. Chlorophyll absorbs mostly blue and red light. "
    "The light reactions split water and release oxygen. The Calvin cycle fixes carbon dioxide into sugars, "
    "using the energy carriers made by the light reactions. Plants store the sugars as starch. "
    "Cellular respiration later releases that energy, and oxygen is the final electron acceptor. "
    "In short, the two processes form a cycle that links plants and animals through the air we breathe. "
)

BARE_PYTTSX3 = """
import os, sys, time
import pyttsx3
text, output = sys.stdin.read(), sys.argv[1]
start = time.perf_counter()
engine = pyttsx3.init("espeak")
engine.setProperty("rate", 170)
engine.save_to_file(text, output)
engine.runAndWait()
driver = engine.proxy._driver
while getattr(driver, "_speaking", False) or not os.path.exists(output):
    time.sleep(0.02)
print(time.perf_counter() - start)
"""


def _django(data_dir: str) -> None:
    for name in ("DATABASE_URL", "S3_BUCKET", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="learning_platform.settings.test",
        EVENTBUS_TRANSPORT="inprocess",
        LOG_LEVEL="ERROR",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _espeak_wav(text: str) -> bytes:
    """A longer recording without repetition (Whisper retries windows whose text repeats itself)."""
    return subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True, timeout=300).stdout


def _wer(reference: str, hypothesis: str) -> float:
    def words(text: str) -> list[str]:
        return "".join(c if c.isalnum() or c.isspace() else " " for c in text.lower()).split()

    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(1, len(ref))


def bare_whisper(path: str) -> tuple[float, float, str]:
    """faster-whisper alone, model already loaded (the same cached instance our job uses)."""
    from django.conf import settings

    from apps.speech import services, whisper

    model = whisper.load_model(services.model_spec())
    start = time.perf_counter()
    segments, info = model.transcribe(
        path,
        language="en",
        vad_filter=True,
        beam_size=settings.SPEECH_WHISPER_BEAM_SIZE,
        condition_on_previous_text=False,
    )
    text = " ".join(segment.text.strip() for segment in segments)
    return time.perf_counter() - start, float(info.duration), text


def our_transcription(content: bytes, name: str, owner_id: int) -> tuple[float, float, str]:
    from django.db import transaction

    from apps.speech.models import Transcription
    from apps.speech.services import transcription_create

    start = time.perf_counter()
    with transaction.atomic():  # the job runs eagerly when this commits, as a worker would pick it up
        transcription = transcription_create(
            owner_id=owner_id, file=io.BytesIO(content), file_name=name, size=len(content)
        )
    elapsed = time.perf_counter() - start
    done = Transcription.objects.get(pk=transcription.pk)
    if done.status != "completed":
        raise RuntimeError(f"transcription failed: {done.error}")
    return elapsed, done.duration_seconds, done.text


def bare_pyttsx3(text: str) -> tuple[float, float, float]:
    """Synthesis time measured inside the process, its wall time with the interpreter start, audio seconds."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "bare.wav"
        wall = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-I", "-c", BARE_PYTTSX3, str(output)],
            input=text.encode(),
            capture_output=True,
            check=True,
            timeout=600,
        )
        wall = time.perf_counter() - wall
        with wave.open(str(output)) as reader:
            seconds = reader.getnframes() / reader.getframerate()
    return float(done.stdout.decode().strip().splitlines()[-1]), wall, seconds


def bare_piper(text: str) -> tuple[float, float]:
    """Piper alone on the voice our job uses (already loaded, as in a warm worker): compute and audio seconds."""
    from django.conf import settings

    from apps.speech import tts

    voice = tts.piper_load(tts.piper_voice_path(settings.SPEECH_PIPER_VOICE))
    output = io.BytesIO()
    start = time.perf_counter()
    with wave.open(output, "wb") as writer:
        voice.synthesize_wav(text, writer)
    elapsed = time.perf_counter() - start
    with wave.open(io.BytesIO(output.getvalue())) as reader:
        return elapsed, reader.getnframes() / reader.getframerate()


def our_narration(text: str, owner_id: int, engine: str) -> tuple[float, float, bytes]:
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.db import transaction

    from apps.speech.models import Narration
    from apps.speech.services import narration_create

    settings.SPEECH_TTS_ENGINE = engine
    start = time.perf_counter()
    with transaction.atomic():
        narration = narration_create(owner_id=owner_id, text=text)
    elapsed = time.perf_counter() - start
    done = Narration.objects.get(pk=narration.pk)
    if done.status != "completed":
        raise RuntimeError(f"narration failed: {done.error}")
    with default_storage.open(done.wav_storage_name, "rb") as handle:
        return elapsed, done.duration_seconds, handle.read()


def narration_rows(text: str, owner_id: int) -> list[dict[str, Any]]:
    """Per engine: our narration job next to the bare engine on the same text, and the round trip."""
    rows = []
    for engine in ("pyttsx3", "piper"):
        ours_time, ours_seconds, wav = our_narration(text, owner_id, engine)
        if engine == "pyttsx3":
            bare_time, bare_wall, bare_seconds = bare_pyttsx3(text)
        else:
            bare_time, bare_seconds = bare_piper(text)
            bare_wall = bare_time  # the voice stays loaded in the worker: no process start to add
        back_time, _, back_text = our_transcription(wav, f"narration-{engine}.wav", owner_id)
        ours_rate, bare_rate = ours_seconds / ours_time, bare_seconds / bare_time
        row = {
            "engine": engine,
            "characters": len(text),
            "ours_audio_seconds": round(ours_seconds, 2),
            "ours_audio_per_compute_second": round(ours_rate, 2),
            "bare_audio_seconds": round(bare_seconds, 2),
            "bare_audio_per_compute_second": round(bare_rate, 2),
            "bare_with_process_start_audio_per_second": round(bare_seconds / bare_wall, 2),
            "ours_over_bare": round(ours_rate / bare_rate, 3),
            "round_trip_wer": round(_wer(text, back_text), 3),
            "round_trip_transcription_rtf": round(back_time / ours_seconds, 3),
        }
        rows.append(row)
        print(json.dumps(row))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.speech")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="lp-bench-speech-")
    _django(data_dir)
    from django.conf import settings

    from apps.speech import services, tts, whisper
    from tests.factories import UserFactory

    settings.SPEECH_MONTHLY_QUOTA_SECONDS = 10**9
    owner: Any = UserFactory()
    results: dict[str, Any] = {"threads": settings.SPEECH_WHISPER_THREADS, "beam": settings.SPEECH_WHISPER_BEAM_SIZE}

    load_started = time.perf_counter()
    whisper.load_model(services.model_spec())
    results["model_load_seconds"] = round(time.perf_counter() - load_started, 2)
    print(f"model load (tiny.en, once per worker process): {results['model_load_seconds']} s")

    flac = JFK.read_bytes()
    clips = [("jfk.flac (real speech, 11 s)", flac, "jfk.flac", JFK_REFERENCE)]
    if not args.quick:
        clips.append(("espeak-ng lecture WAV", _espeak_wav(LECTURE), "lecture.wav", LECTURE))
    with tempfile.NamedTemporaryFile(suffix=".flac") as handle:  # warm-up: the first inference is slower
        handle.write(flac)
        handle.flush()
        bare_whisper(handle.name)
    rows = []
    for label, content, name, reference in clips:
        with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as handle:
            handle.write(content)
            handle.flush()
            bare_time, duration, bare_text = bare_whisper(handle.name)
        ours_time, _, ours_text = our_transcription(content, name, owner.pk)
        row = {
            "audio": label,
            "seconds": round(duration, 2),
            "ours_rtf": round(ours_time / duration, 3),
            "bare_rtf": round(bare_time / duration, 3),
            "ours_over_bare": round(ours_time / bare_time, 3),
            "ours_wer": round(_wer(reference, ours_text), 3),
            "bare_wer": round(_wer(reference, bare_text), 3),
        }
        rows.append(row)
        print(json.dumps(row))
    results["transcription"] = rows

    text = LECTURE if not args.quick else LECTURE[:120]
    load_started = time.perf_counter()
    tts.piper_load(tts.piper_voice_path(settings.SPEECH_PIPER_VOICE))
    results["piper_voice_load_seconds"] = round(time.perf_counter() - load_started, 2)
    print(f"Piper voice load (en_US-joe-medium, once per worker process): {results['piper_voice_load_seconds']} s")
    bare_piper("Warm up.")  # like the Whisper warm-up: the first inference is slower
    results["narration"] = narration_rows(text, owner.pk)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "speech.json").write_text(json.dumps(results, indent=2))
    return 0
