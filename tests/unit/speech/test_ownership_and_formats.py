"""Each learner sees only their own transcriptions and narrations (404 otherwise, 401 anonymous); the
transcript comes as JSON, plain text, SRT and WebVTT."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.speech import formats
from apps.speech.models import Narration, Transcription

pytestmark = pytest.mark.django_db

SEGMENTS = [
    {"start": 0.0, "end": 8.02, "text": "And so my fellow Americans, ask not what your country can do for you,"},
    {"start": 754.5, "end": 3725.25, "text": "ask what you can do for your country."},
]


@pytest.fixture
def transcription(user: Any) -> Transcription:
    text, segments = formats.assemble(SEGMENTS)
    stored = default_storage.save(f"speech/{user.pk}/test.audio", ContentFile(b"fLaC recording"))
    return Transcription.objects.create(
        owner=user,
        title="Lecture",
        status="completed",
        text=text,
        segments=segments,
        language="en",
        duration_seconds=3726.0,
        storage_name=stored,
        original_name="lecture.flac",
    )


@pytest.fixture
def narration(user: Any) -> Narration:
    wav = default_storage.save(f"speech/{user.pk}/n.wav", ContentFile(b"RIFF narration"))
    return Narration.objects.create(
        owner=user, status="completed", source_type="text", text="Hello.", wav_storage_name=wav
    )


def _paths(transcription: Transcription, narration: Narration) -> list[str]:
    t, n = f"/api/v1/transcriptions/{transcription.pk}/", f"/api/v1/narrations/{narration.pk}/"
    return [t, t + "transcript/", t + "transcript/?as=srt", t + "chunk-times/", t + "audio/", n, n + "audio/"]


def test_another_learner_gets_404_everywhere(
    transcription: Transcription, narration: Narration, other_user: Any, client_for: Callable[[Any], Any]
) -> None:
    intruder = client_for(other_user)

    for path in _paths(transcription, narration):
        assert intruder.get(path).status_code == 404, path
    assert intruder.delete(f"/api/v1/transcriptions/{transcription.pk}/").status_code == 404
    assert intruder.delete(f"/api/v1/narrations/{narration.pk}/").status_code == 404
    assert intruder.get("/api/v1/transcriptions/").json()["count"] == 0
    assert intruder.get("/api/v1/narrations/").json()["count"] == 0
    assert Transcription.objects.filter(pk=transcription.pk).exists()


def test_anonymous_requests_get_401(transcription: Transcription, narration: Narration, api_client: Any) -> None:
    for path in [*_paths(transcription, narration), "/api/v1/transcriptions/", "/api/v1/narrations/"]:
        assert api_client.get(path).status_code == 401, path
    assert api_client.post("/api/v1/narrations/", {"text": "Hi."}, format="json").status_code == 401


def test_the_owner_downloads_the_recording_and_the_narration(
    transcription: Transcription, narration: Narration, auth_client: Any
) -> None:
    recording = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/audio/")
    audio = auth_client.get(f"/api/v1/narrations/{narration.pk}/audio/")

    assert b"".join(recording.streaming_content) == b"fLaC recording"
    assert (b"".join(audio.streaming_content), audio["Content-Type"]) == (b"RIFF narration", "audio/wav")
    assert 'attachment; filename="narration-' in audio["Content-Disposition"]


def test_json_transcript_keeps_segments_and_offsets(transcription: Transcription, auth_client: Any) -> None:
    body = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/transcript/").json()

    assert body["text"] == f"{SEGMENTS[0]['text']}\n{SEGMENTS[1]['text']}"
    assert [(s["start"], s["end"], s["char_start"]) for s in body["segments"]] == [
        (0.0, 8.02, 0),
        (754.5, 3725.25, len(str(SEGMENTS[0]["text"])) + 1),
    ]


@pytest.mark.parametrize(
    ("fmt", "content_type", "expected"),
    [
        pytest.param("txt", "text/plain", f"{SEGMENTS[0]['text']}\n{SEGMENTS[1]['text']}\n", id="text"),
        pytest.param(
            "srt",
            "application/x-subrip",
            f"1\n00:00:00,000 --> 00:00:08,020\n{SEGMENTS[0]['text']}\n\n"
            f"2\n00:12:34,500 --> 01:02:05,250\n{SEGMENTS[1]['text']}\n",
            id="srt",
        ),
        pytest.param(
            "vtt",
            "text/vtt",
            f"WEBVTT\n\n00:00:00.000 --> 00:00:08.020\n{SEGMENTS[0]['text']}\n\n"
            f"00:12:34.500 --> 01:02:05.250\n{SEGMENTS[1]['text']}\n",
            id="webvtt",
        ),
    ],
)
def test_subtitle_and_text_formats(
    transcription: Transcription, auth_client: Any, fmt: str, content_type: str, expected: str
) -> None:
    response = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/transcript/?as={fmt}")

    assert response["Content-Type"].startswith(content_type)
    assert response.content.decode() == expected


def test_an_unknown_format_is_a_validation_error(transcription: Transcription, auth_client: Any) -> None:
    response = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/transcript/?as=docx")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        pytest.param("fellow Americans", (0.0, 8.02, "0:00"), id="first-segment"),
        pytest.param("you,\nask what", (0.0, 3725.25, "0:00"), id="across-segments"),
        pytest.param("your country.", (754.5, 3725.25, "12:34"), id="second-segment"),
    ],
)
def test_chunk_text_maps_back_to_the_time_it_was_said(transcription: Transcription, chunk: str, expected: Any) -> None:
    (found,) = formats.chunk_times(transcription.text, transcription.segments, [(7, chunk)])

    assert (found.index, found.start, found.end, found.label) == (7, *expected)
