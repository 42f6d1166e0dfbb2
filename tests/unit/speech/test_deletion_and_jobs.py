"""Deletion and erasure reach recordings, transcripts, narrations and their files; speech jobs go to their
own queue; a worker that dies mid-transcription leaves the job to the reaper, not stuck."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.accounts.services import user_erase
from apps.jobs import runner
from apps.jobs import services as jobs
from apps.jobs.models import Job
from apps.speech.models import AudioUsage, Narration, Transcription
from learning_platform.celery_routing import route_task
from tests.fixtures.speech import jfk_flac, normalised, requires_espeak

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture(transcribe: Any) -> Transcription:
    transcription = Transcription.objects.get(pk=transcribe(jfk_flac()).json()["id"])
    assert transcription.status == "completed"
    assert transcription.document_id is not None
    return transcription


def test_deleting_a_transcription_removes_its_recording_and_its_document(
    lecture: Transcription, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert default_storage.exists(lecture.storage_name)

    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/transcriptions/{lecture.pk}/").status_code == 204

    assert not Transcription.objects.exists()
    assert not default_storage.exists(lecture.storage_name)
    assert auth_client.get(f"/api/v1/documents/{lecture.document_id}/").status_code == 404


def test_deleting_the_transcript_document_removes_the_lecture(
    lecture: Transcription, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/documents/{lecture.document_id}/").status_code == 204

    assert not Transcription.objects.exists()
    assert not default_storage.exists(lecture.storage_name)


def test_deleting_a_document_removes_its_narrations(
    lecture: Transcription, narrate: Any, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    requires_espeak()
    narration = Narration.objects.get(pk=narrate(document_id=lecture.document_id).json()["id"])
    assert narration.status == "completed", narration.error
    files = [narration.wav_storage_name, narration.ogg_storage_name]

    with django_capture_on_commit_callbacks(execute=True):
        auth_client.delete(f"/api/v1/documents/{lecture.document_id}/")

    assert not Narration.objects.exists()
    assert not any(default_storage.exists(name) for name in files)


def test_erasing_a_learner_removes_everything_speech_holds(
    lecture: Transcription, narrate: Any, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    requires_espeak()
    narration = Narration.objects.get(pk=narrate(text="Ask not.").json()["id"])

    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=user)

    assert not Transcription.objects.exists()
    assert not Narration.objects.exists()
    assert not AudioUsage.objects.exists()
    for name in (lecture.storage_name, narration.wav_storage_name, narration.ogg_storage_name):
        assert not default_storage.exists(name)


def test_speech_jobs_are_routed_to_the_speech_queue(settings: Any, user: Any) -> None:
    settings.SPEECH_QUEUE = "speech"
    speech_job, _ = jobs.job_create(kind="speech.transcribe", owner_id=user.pk, payload={"transcription_id": 0})
    other_job, _ = jobs.job_create(kind="documents.extract", owner_id=user.pk, payload={"document_id": 0})

    assert route_task("apps.jobs.tasks.run_job", [speech_job.id], {}, {}) == {"queue": "speech"}
    assert route_task("apps.jobs.tasks.run_job", [other_job.id], {}, {}) is None
    assert route_task("eventbus.tasks.sweep_outbox", [], {}, {}) is None


def test_a_transcription_whose_worker_died_is_reaped_and_completed(
    transcribe: Any, settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from apps.jobs import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda args, **options: sent.append(args[0]))
    transcription_id = transcribe(jfk_flac()).json()["id"]
    (job_id,) = sent
    assert runner.job_claim(job_id=job_id, worker="dead-worker") is not None  # ... and the worker dies
    Job.objects.filter(pk=job_id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        report = runner.jobs_reap()
    assert report.requeued == 1
    assert sent == [job_id, job_id]
    assert runner.job_run(job_id=job_id) == "succeeded"

    transcription = Transcription.objects.get(pk=transcription_id)
    assert transcription.status == "completed"
    assert "ask not what your country can do for you" in normalised(transcription.text)
    assert Job.objects.get(pk=job_id).attempts == 2
