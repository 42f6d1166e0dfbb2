"""Upload -> audio.transcription.requested -> one transcription job (faster-whisper, packaged tiny.en) ->
segments with times -> a transcript document of the learner -> audio.transcription.completed."""

import itertools
from typing import Any

import pytest

from apps.jobs.models import Job
from apps.realtime.models import Push
from apps.speech.models import Transcription
from eventbus.models import OutboxEvent
from tests.fixtures.speech import JFK_REFERENCE, jfk_flac, normalised, transcode, word_error_rate

pytestmark = pytest.mark.django_db


def test_real_speech_is_transcribed_with_times_and_becomes_a_document(transcribe: Any, auth_client: Any) -> None:
    response = transcribe(jfk_flac(), title="Inaugural address")

    assert response.status_code == 202, response.json()
    transcription = Transcription.objects.get(pk=response.json()["id"])
    assert transcription.status == "completed", transcription.error
    assert "ask not what your country can do for you" in normalised(transcription.text)
    assert word_error_rate(JFK_REFERENCE, transcription.text) <= 0.1
    assert (transcription.container, transcription.duration_seconds, transcription.language) == ("flac", 11.0, "en")
    segments = transcription.segments
    assert segments[0]["start"] < 1.0
    assert 9.0 < segments[-1]["end"] <= 11.0
    assert all(a["end"] <= b["start"] + 0.01 for a, b in itertools.pairwise(segments))
    for segment in segments:
        assert transcription.text[segment["char_start"] : segment["char_end"]] == segment["text"]
    document = auth_client.get(f"/api/v1/documents/{transcription.document_id}/").json()
    assert (document["source_kind"], document["status"], document["title"]) == (
        "transcript",
        "processed",
        "Inaugural address",
    )
    times = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/chunk-times/").json()
    assert times[0]["chunk_index"] == 0
    assert times[0]["start"] == segments[0]["start"]
    assert times[-1]["end"] == segments[-1]["end"]
    assert times[0]["time_label"] == "0:00"


def test_events_and_one_job_with_progress_in_seconds(transcribe: Any) -> None:
    transcription_id = transcribe(jfk_flac()).json()["id"]

    jobs = list(Job.objects.filter(subject_type="transcription", subject_id=str(transcription_id)))
    assert [(j.kind, j.status, j.progress_done, j.progress_total) for j in jobs] == [
        ("speech.transcribe", "succeeded", 11, 11)
    ]
    topics = list(OutboxEvent.objects.filter(topic__startswith="audio.").values_list("topic", flat=True))
    assert topics == ["audio.transcription.requested", "audio.transcription.completed"]
    pushes = Push.objects.filter(type="job.progress", data__subject_type="transcription").order_by("id")
    pushed = [p.data for p in pushes]
    assert {"status": "running", "progress_done": 0, "progress_total": 11}.items() <= pushed[1].items()
    assert {"status": "succeeded", "progress_done": 11, "progress_total": 11}.items() <= pushed[-1].items()
    completed = OutboxEvent.objects.get(topic="audio.transcription.completed").to_event()
    assert completed.payload["duration_seconds"] == 11.0
    assert completed.payload["segment_count"] >= 1


def test_a_redelivered_request_event_starts_no_second_job(
    transcribe: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.speech.handlers import on_transcription_requested

    transcription_id = transcribe(jfk_flac()).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        on_transcription_requested(OutboxEvent.objects.get(topic="audio.transcription.requested").to_event())

    assert Job.objects.filter(subject_type="transcription", subject_id=str(transcription_id)).count() == 1


@pytest.mark.parametrize(
    ("container", "codec", "name"),
    [
        pytest.param("mp3", "libmp3lame", "lecture.mp3", id="mp3"),
        pytest.param("wav", "pcm_s16le", "lecture.wav", id="wav"),
        pytest.param("ogg", "libopus", "lecture.ogg", id="ogg-opus"),
        pytest.param("webm", "libopus", "lecture.webm", id="webm"),
        pytest.param("ipod", "aac", "lecture.m4a", id="m4a-aac"),
    ],
)
def test_other_containers_transcribe_like_the_flac(transcribe: Any, container: str, codec: str, name: str) -> None:
    rate = 48000 if codec == "libopus" else 16000
    response = transcribe(transcode(jfk_flac(), container=container, codec=codec, rate=rate), name=name)

    transcription = Transcription.objects.get(pk=response.json()["id"])
    assert transcription.status == "completed", transcription.error
    assert "ask not what your country can do for you" in normalised(transcription.text)
    assert word_error_rate(JFK_REFERENCE, transcription.text) <= 0.1  # the flac's bound: as well as the original
    assert abs(transcription.duration_seconds - 11.0) < 0.2
    assert 9.0 < transcription.segments[-1]["end"] <= 11.2


def test_the_extension_does_not_decide_the_type(transcribe: Any) -> None:
    response = transcribe(transcode(jfk_flac(), container="mp3", codec="libmp3lame"), name="lecture.pdf")

    assert response.status_code == 202
    assert Transcription.objects.get(pk=response.json()["id"]).container == "mp3"


def test_word_timestamps_when_asked(transcribe: Any) -> None:
    transcription_id = transcribe(jfk_flac(), word_timestamps=True).json()["id"]

    words = [w for s in Transcription.objects.get(pk=transcription_id).segments for w in s["words"]]
    country = [w for w in words if "country" in w["word"]]
    assert len(country) == 2
    assert 5.0 < country[0]["start"] < country[1]["start"] < 11.0
    assert all(w["start"] <= w["end"] for w in words)


def test_the_packaged_multilingual_base_model_detects_the_language(transcribe: Any, settings: Any) -> None:
    settings.SPEECH_WHISPER_MODEL = "base"

    transcription = Transcription.objects.get(pk=transcribe(jfk_flac()).json()["id"])

    assert transcription.status == "completed", transcription.error
    assert (transcription.model_name, transcription.language) == ("base", "en")
    assert transcription.language_probability is not None
    assert transcription.language_probability > 0.8
    assert word_error_rate(JFK_REFERENCE, transcription.text) == 0.0
