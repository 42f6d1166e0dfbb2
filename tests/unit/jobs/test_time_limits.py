"""Every job kind has a hard time limit: a hung job does not keep its lease (and its worker) forever."""

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.jobs import runner, services, tasks
from apps.jobs.context import JobContext
from apps.jobs.errors import LeaseLost
from apps.jobs.models import Job
from apps.jobs.registry import job_handler, job_handler_remove, time_limit_for

pytestmark = pytest.mark.django_db

#: The hanging kind gives up by itself after this long, so a broken limit fails the test instead of hanging it.
SAFETY_SECONDS = 10.0
heartbeats: list[float] = []


@pytest.fixture(autouse=True)
def _kinds(settings: Any) -> Iterator[None]:
    settings.JOBS_LEASE_SECONDS = 0.3  # a heartbeat renews the lease every 0.1 s
    heartbeats.clear()

    @job_handler("test.hang", time_limit_seconds=0.5, max_attempts=2)
    def hang(job: JobContext) -> dict[str, Any]:
        """Stuck in a loop that keeps its lease alive: without a limit it would hold a worker for ever."""
        started = time.monotonic()
        while time.monotonic() - started < SAFETY_SECONDS:
            job.heartbeat()
            heartbeats.append(time.monotonic() - started)
            time.sleep(0.02)
        return {"hung_for": SAFETY_SECONDS}

    @job_handler("test.quiet")
    def quiet(job: JobContext) -> None:
        return None

    yield
    job_handler_remove("test.hang")
    job_handler_remove("test.quiet")


def test_a_job_that_hangs_while_renewing_its_lease_fails_at_its_time_limit_after_its_retries(
    user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.job_create(kind="test.hang", owner_id=user.pk)

    row = Job.objects.get(pk=job.id)
    assert (row.status, row.attempts, row.error_code) == ("failed", 2, "time_limit")
    assert row.error == "The job ran past its time limit of 0.5 s on attempt 2."
    assert row.lease_owner == ""
    assert row.lease_expires_at is None
    assert time.monotonic() - started < SAFETY_SECONDS  # two attempts of about 0.5 s, not two of 10 s
    assert max(heartbeats) < 1.0


def test_the_reaper_takes_back_a_job_running_past_its_limit_even_with_a_fresh_lease(user: Any) -> None:
    job, _ = services.job_create(kind="test.hang", owner_id=user.pk, max_attempts=1)
    context = runner.job_claim(job_id=job.id, worker="hung-worker")
    assert context is not None
    Job.objects.filter(pk=job.id).update(
        started_at=timezone.now() - timedelta(seconds=1),  # past its 0.5 s
        lease_expires_at=timezone.now() + timedelta(minutes=5),  # but still renewing
    )

    report = runner.jobs_reap()

    row = Job.objects.get(pk=job.id)
    assert (report.requeued, report.failed) == (0, 1)
    assert (row.status, row.error_code) == ("failed", "time_limit")
    with pytest.raises(LeaseLost):  # the hung worker finds out at its next renewal and stops
        runner.job_renew_lease(job_id=job.id, lease_token=context.lease_token)


def test_the_reaper_leaves_a_job_within_its_limit_alone(user: Any) -> None:
    job, _ = services.job_create(kind="test.quiet", owner_id=user.pk)
    runner.job_claim(job_id=job.id, worker="busy-worker")

    report = runner.jobs_reap()

    assert (report.requeued, report.failed) == (0, 0)
    assert Job.objects.get(pk=job.id).status == "running"


def test_the_limit_comes_from_the_setting_per_kind_then_the_kind_then_the_default(settings: Any) -> None:
    settings.JOBS_TIME_LIMIT_SECONDS = 3600.0
    settings.JOBS_TIME_LIMITS = {"test.quiet": 60.0}

    assert time_limit_for("test.hang") == 0.5  # its own
    assert time_limit_for("test.quiet") == 60.0  # the per-kind setting
    assert time_limit_for("test.unregistered") == 3600.0  # the default
    settings.JOBS_TIME_LIMITS = {"test.hang": 2.0}
    assert time_limit_for("test.hang") == 2.0  # the setting wins over the kind's own


def test_the_worker_message_carries_the_limit_as_celery_soft_and_hard_time_limits(
    user: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    """The hard limit is what frees a worker stuck in native code: Celery's pool kills that process."""
    settings.JOBS_HARD_LIMIT_GRACE_SECONDS = 30.0
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda **kwargs: sent.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.job_create(kind="test.hang", owner_id=user.pk)

    assert sent == [{"args": [job.id], "countdown": None, "soft_time_limit": 0.5, "time_limit": 30.5}]
