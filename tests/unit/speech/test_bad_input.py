"""Every bad recording gets a clear 4xx (or, when only decoding the whole file can tell, a failed job with a
reason), never a 500 and never a stuck job."""

from typing import Any

import pytest

from apps.jobs.models import Job
from apps.speech.models import AudioUsage, Transcription
from apps.speech.services import month_start
from eventbus.models import OutboxEvent
from tests.fixtures.documents import corpus
from tests.fixtures.speech import jfk_flac, tone_wav

pytestmark = pytest.mark.django_db


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        pytest.param(b"", "empty.wav", (400, "empty_file"), id="empty"),
        pytest.param(corpus("issue-598-example.pdf"), "lecture.mp3", (400, "not_audio"), id="pdf-named-mp3"),
        pytest.param(b"just some text, not audio\n" * 50, "lecture.wav", (400, "not_audio"), id="text"),
        pytest.param(jfk_flac()[: len(jfk_flac()) // 50], "lecture.flac", (400, "corrupt_audio"), id="truncated"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "x.wav", (400, "not_audio"), id="bare-header"),
    ],
)
def test_what_is_not_readable_audio_is_refused(transcribe: Any, content: bytes, name: str, expected: Any) -> None:
    response = transcribe(content, name=name)

    assert _error(response) == expected
    assert not Transcription.objects.exists()
    assert not Job.objects.exists()


def test_a_recording_over_the_size_limit_is_refused_with_413(transcribe: Any, settings: Any) -> None:
    settings.SPEECH_MAX_UPLOAD_BYTES = 100_000

    assert _error(transcribe(jfk_flac())) == (413, "file_too_large")


def test_a_recording_over_the_duration_limit_is_refused(transcribe: Any, settings: Any) -> None:
    settings.SPEECH_MAX_AUDIO_SECONDS = 10

    response = transcribe(jfk_flac())

    assert _error(response) == (400, "audio_too_long")
    assert "0:11" in response.json()["error"]["message"]


def test_the_monthly_quota_counts_seconds_per_learner(transcribe: Any, settings: Any, user: Any) -> None:
    settings.SPEECH_MONTHLY_QUOTA_SECONDS = 15
    AudioUsage.objects.create(owner=user, month=month_start(), seconds=10)

    assert _error(transcribe(jfk_flac())) == (429, "audio_quota_exceeded")
    assert AudioUsage.objects.get(owner=user).seconds == 10


def test_usage_is_recorded_and_last_month_does_not_count(transcribe: Any, settings: Any, user: Any) -> None:
    settings.SPEECH_MONTHLY_QUOTA_SECONDS = 15
    AudioUsage.objects.create(owner=user, month=month_start().replace(year=2000), seconds=14)

    assert transcribe(tone_wav(seconds=3, amplitude=0.0)).status_code == 202
    assert AudioUsage.objects.get(owner=user, month=month_start()).seconds == 3.0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        pytest.param("fr", (400, "unsupported_language"), id="english-only-model"),
        pytest.param("en!", (400, "invalid_language"), id="not-a-code"),
    ],
)
def test_languages_the_model_cannot_do_are_refused(transcribe: Any, language: str, expected: Any) -> None:
    assert _error(transcribe(jfk_flac(), language=language)) == expected


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(tone_wav(seconds=3, amplitude=0.0), id="silence"),
        pytest.param(tone_wav(seconds=3, frequency=440.0), id="pure-tone"),
    ],
)
def test_audio_without_speech_fails_the_job_with_a_reason(transcribe: Any, auth_client: Any, content: bytes) -> None:
    transcription_id = transcribe(content, name="quiet.wav").json()["id"]

    body = auth_client.get(f"/api/v1/transcriptions/{transcription_id}/").json()
    assert (body["status"], body["error_code"], body["document_id"]) == ("failed", "no_speech", None)
    assert body["progress"]["job_status"] == "failed"
    assert Job.objects.get(kind="speech.transcribe").attempts == 1  # bad input is not retried
    failed = OutboxEvent.objects.get(topic="pipeline.step.failed").to_event().payload
    assert failed == failed | {"step": "transcription", "subject_id": transcription_id, "reason": "no_speech"}
    response = auth_client.get(f"/api/v1/transcriptions/{transcription_id}/transcript/")
    assert _error(response) == (409, "not_ready")


def test_a_missing_file_field_is_a_validation_error(auth_client: Any) -> None:
    assert _error(auth_client.post("/api/v1/transcriptions/", {}, format="multipart")) == (400, "validation_error")


def test_a_transcription_over_its_compute_budget_fails_with_time_limit(
    transcribe: Any, auth_client: Any, monkeypatch: Any
) -> None:
    from apps.speech import services

    ticks = iter(range(0, 10**6, 100))  # every reading of the clock is 100 s later
    monkeypatch.setattr(services, "_clock", lambda: float(next(ticks)))

    transcription_id = transcribe(jfk_flac()).json()["id"]

    body = auth_client.get(f"/api/v1/transcriptions/{transcription_id}/").json()
    assert (body["status"], body["error_code"]) == ("failed", "time_limit")
    assert "longer than its limit of 93 s" in body["error"]  # 60 s + 3 x 11 s of audio
