"""Speech on the real services: PostgreSQL, a real Celery worker consuming only the speech queue over Redis
(no eager mode: task arguments cross a real broker), and S3 storage (SeaweedFS) for the recording."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from apps.jobs.models import Job
from apps.speech.models import Narration, Transcription
from tests.factories import UserFactory
from tests.fixtures.speech import CORPUS, jfk_flac, normalised
from tests.integration.conftest import ROOT, celery_worker, child_env, django_python, wait_until

pytestmark = pytest.mark.integration


@pytest.mark.django_db(transaction=True)
def test_a_speech_worker_transcribes_and_narrates_while_extraction_waits_on_its_own_queue(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    import redis

    if shutil.which("espeak-ng") is None:
        pytest.skip("needs the espeak-ng binary (apt-get install espeak-ng)")
    user: Any = UserFactory()
    env = {
        **{k: v for k, v in child_env().items() if not k.startswith("S3_")},
        "DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/8",
        "EVENTBUS_TRANSPORT": "inprocess",
        "SPEECH_WHISPER_THREADS": "2",
    }
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    worker = celery_worker(env, queues="speech")
    try:
        ids = django_python(
            env,
            "from apps.speech import services\n"
            f"with open({str(CORPUS / 'jfk.flac')!r}, 'rb') as f:\n"
            f"    t = services.transcription_create(owner_id={user.pk}, file=f, file_name='jfk.flac',"
            f" size={len(jfk_flac())})\n"
            f"n = services.narration_create(owner_id={user.pk}, text='Ask not what your country can do for you.')\n"
            "print(t.pk, n.pk)",
        )
        transcription_id, narration_id = map(int, ids.split())
        finished = ("completed", "failed")
        wait_until(lambda: Transcription.objects.get(pk=transcription_id).status in finished, 180, "no transcript")
        wait_until(lambda: Narration.objects.get(pk=narration_id).status in finished, 60, "no narration")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    transcription = Transcription.objects.get(pk=transcription_id)
    assert transcription.status == "completed", transcription.error
    assert "ask not what your country can do for you" in normalised(transcription.text)
    assert Narration.objects.get(pk=narration_id).duration_seconds > 1
    kinds = dict(Job.objects.values_list("kind", "status"))
    # The transcript's document was created, but its extraction waits for a worker of the default queue.
    assert kinds == {"speech.transcribe": "succeeded", "speech.narrate": "succeeded", "documents.extract": "queued"}


@pytest.mark.django_db
def test_a_recording_on_s3_is_transcribed_and_deleted(
    s3_endpoint: str, transcribe: Any, auth_client: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EVENTBUS_TRANSPORT = "inprocess"
    settings.SPEECH_WHISPER_BEAM_SIZE = 1
    assert type(default_storage._wrapped).__name__ == "S3Storage"  # type: ignore[attr-defined]

    transcription = Transcription.objects.get(pk=transcribe(jfk_flac()).json()["id"])

    assert transcription.status == "completed", transcription.error
    assert "ask not what your country can do for you" in normalised(transcription.text)
    recording = auth_client.get(f"/api/v1/transcriptions/{transcription.pk}/audio/")
    assert b"".join(recording.streaming_content) == jfk_flac()
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/transcriptions/{transcription.pk}/").status_code == 204
    assert not default_storage.exists(transcription.storage_name)


@pytest.fixture
def transcribe(auth_client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(content: bytes, name: str = "lecture.flac") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return auth_client.post(
                "/api/v1/transcriptions/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
            )

    return post


@pytest.mark.django_db(transaction=True)
def test_a_prefork_speech_worker_narrates_with_piper_and_pyttsx3(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The engine is chosen at the request and recorded; a forked pool child loads the Piper voice and serves
    two Piper narrations with it, and a pyttsx3 one in its subprocess, all over a real broker."""
    import redis

    if shutil.which("espeak-ng") is None:
        pytest.skip("needs the espeak-ng binary (apt-get install espeak-ng)")
    user: Any = UserFactory()
    env = {
        **{k: v for k, v in child_env().items() if not k.startswith("S3_")},
        "DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/9",
        "EVENTBUS_TRANSPORT": "inprocess",
    }
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "learning_platform", "worker", "--pool", "prefork"),
            *("--concurrency", "1", "-Q", "speech", "--loglevel", "WARNING"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ids = django_python(
            env,
            "from django.conf import settings\n"
            "from apps.speech import services\n"
            "ids = []\n"
            "for engine in ('piper', 'piper', 'pyttsx3'):\n"
            "    settings.SPEECH_TTS_ENGINE = engine\n"
            f"    ids.append(services.narration_create(owner_id={user.pk}, text='Ask not what you can do.').pk)\n"
            "print(*ids)",
        )
        narration_ids = [int(pk) for pk in ids.split()]
        wait_until(
            lambda: all(n.status in ("completed", "failed") for n in Narration.objects.filter(pk__in=narration_ids)),
            240,
            "narrations not finished",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    narrations = list(Narration.objects.filter(pk__in=narration_ids).order_by("pk"))
    assert [(n.status, n.engine, n.voice) for n in narrations] == [
        ("completed", "piper", "en_US-joe-medium"),
        ("completed", "piper", "en_US-joe-medium"),
        ("completed", "pyttsx3", ""),
    ], [n.error for n in narrations]
    assert all(n.duration_seconds > 1 for n in narrations)
