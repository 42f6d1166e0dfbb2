"""Text or a document -> audio.generation.requested -> narration job (pyttsx3 + espeak-ng, a fresh process
per batch of sentences) -> WAV + Ogg/Opus with the duration -> audio.generation.completed."""

import io
import sys
import time
import wave
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.jobs.models import Job
from apps.speech import audio, tts
from apps.speech.models import Narration
from eventbus.models import OutboxEvent
from tests.fixtures.speech import normalised, requires_espeak, word_error_rate

pytestmark = pytest.mark.django_db

NOTES = (
    "Photosynthesis converts light energy into chemical energy. "
    "Chlorophyll absorbs mostly blue and red light. "
    "The Calvin cycle fixes carbon dioxide into sugars."
)


@pytest.fixture(autouse=True)
def _espeak() -> None:
    requires_espeak()


def _wav_seconds(content: bytes) -> float:
    with wave.open(io.BytesIO(content)) as reader:
        return reader.getnframes() / reader.getframerate()


def test_text_is_narrated_as_wav_and_ogg_with_its_duration(narrate: Any, auth_client: Any, settings: Any) -> None:
    settings.SPEECH_TTS_BATCH_CHARS = 60  # three sentences -> three engine processes, joined

    response = narrate(text=NOTES, title="Plants")

    assert response.status_code == 202, response.json()
    narration = Narration.objects.get(pk=response.json()["id"])
    assert narration.status == "completed", narration.error
    wav = b"".join(auth_client.get(f"/api/v1/narrations/{narration.pk}/audio/").streaming_content)
    ogg = auth_client.get(f"/api/v1/narrations/{narration.pk}/audio/?as=ogg")
    assert abs(_wav_seconds(wav) - narration.duration_seconds) < 0.01
    assert narration.duration_seconds > 5
    ogg_info = audio.audio_probe(io.BytesIO(b"".join(ogg.streaming_content)))
    assert (ogg["Content-Type"], ogg_info.codec) == ("audio/ogg", "opus")
    assert abs(ogg_info.duration_seconds - narration.duration_seconds) < 0.1
    assert narration.ogg_bytes < narration.wav_bytes / 4
    job = Job.objects.get(kind="speech.narrate")
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 3, 3)
    topics = list(OutboxEvent.objects.filter(topic__startswith="audio.").values_list("topic", flat=True))
    assert topics == ["audio.generation.requested", "audio.generation.completed"]


def test_a_narration_transcribes_back_to_its_text(
    narrate: Any, transcribe: Any, auth_client: Any, settings: Any
) -> None:
    settings.SPEECH_WHISPER_BEAM_SIZE = 5  # the default; greedy tiny.en stumbles more on espeak's voice
    narration_id = narrate(text=NOTES).json()["id"]
    wav = b"".join(auth_client.get(f"/api/v1/narrations/{narration_id}/audio/").streaming_content)

    transcription_id = transcribe(wav, name="narration.wav").json()["id"]

    text = auth_client.get(f"/api/v1/transcriptions/{transcription_id}/transcript/?as=txt").content.decode()
    assert word_error_rate(NOTES, text) <= 0.25, text
    assert "chemical energy" in normalised(text)


def test_a_document_is_narrated_from_its_text(
    narrate: Any, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = auth_client.post(
            "/api/v1/documents/", {"file": SimpleUploadedFile("notes.txt", NOTES.encode())}, format="multipart"
        ).json()

    narration = Narration.objects.get(pk=narrate(document_id=document["id"]).json()["id"])

    assert (narration.status, narration.source_type, narration.source_id) == ("completed", "document", document["id"])
    assert narration.duration_seconds > 5


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"text": "   "}, (400, "empty_text"), id="blank-text"),
        pytest.param({}, (400, "validation_error"), id="nothing"),
        pytest.param({"text": "Hi.", "document_id": 1}, (400, "validation_error"), id="both"),
        pytest.param({"notes_id": 3, "text": "Hi."}, (400, "validation_error"), id="notes-and-text"),
        pytest.param({"notes_id": 999}, (404, "notes_not_found"), id="no-such-notes"),
        pytest.param({"document_id": 999}, (404, "document_not_found"), id="no-such-document"),
    ],
)
def test_bad_narration_requests(narrate: Any, fields: dict[str, Any], expected: Any) -> None:
    response = narrate(**fields)

    assert (response.status_code, response.json()["error"]["code"]) == expected
    assert not Narration.objects.exists()


def test_text_over_the_limit_is_refused(narrate: Any, settings: Any) -> None:
    settings.SPEECH_TTS_MAX_CHARS = 20

    assert narrate(text=NOTES).json()["error"]["code"] == "text_too_long"


def test_another_learners_document_cannot_be_narrated(
    narrate: Any, other_user: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = (
            client_for(other_user)
            .post("/api/v1/documents/", {"file": SimpleUploadedFile("notes.txt", NOTES.encode())}, format="multipart")
            .json()
        )

    assert narrate(document_id=document["id"]).status_code == 404


def test_a_hung_engine_is_killed_at_its_time_limit_and_retried_then_fails(
    narrate: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.SPEECH_TTS_BATCH_TIMEOUT_SECONDS = 1.0
    monkeypatch.setattr(tts, "_command", lambda output, voice: [sys.executable, "-c", "import time; time.sleep(30)"])
    started = time.monotonic()

    narration = Narration.objects.get(pk=narrate(text="Hello.").json()["id"])

    job = Job.objects.get(kind="speech.narrate")
    assert (job.status, job.attempts, job.error_code) == ("failed", 3, "internal_error")  # retried, then given up
    assert (narration.status, narration.error_code) == ("failed", "internal_error")
    failed = OutboxEvent.objects.get(topic="pipeline.step.failed").to_event().payload
    assert failed == failed | {"step": "narration", "subject_id": narration.pk, "attempts": 3}
    assert time.monotonic() - started < 20  # three one-second limits, not three thirty-second sleeps
    with pytest.raises(tts.SynthesisFailed, match="did not finish within 1 s"):
        tts.synthesize("Hello.", voice=tts.Voice("pyttsx3", "", 170), timeout=1.0)


def test_sentences_are_split_and_batched_without_losing_words() -> None:
    text = "First sentence here. Second one!  Third?\n\nA new paragraph with 3 numbers. " + "word " * 30

    parts = list(tts.batches(tts.split_sentences(text), max_chars=40))

    assert all(len(p) <= 40 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert parts[0] == "First sentence here. Second one! Third?"
