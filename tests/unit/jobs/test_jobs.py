"""The durable job mechanism: claim with a lease, progress, retries, the reaper, owner-scoped API."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.jobs import runner, services
from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed, LeaseLost
from apps.jobs.models import Job
from apps.jobs.registry import job_handler, job_handler_remove
from apps.realtime.models import Push

pytestmark = pytest.mark.django_db

calls: list[str] = []
failures: list[int] = []


@pytest.fixture(autouse=True)
def _test_kinds() -> Iterator[None]:
    calls.clear()
    failures.clear()

    def fail_hook(job: services.JobInfo) -> None:
        failures.append(job.id)

    @job_handler("test.ok", on_failure=fail_hook)
    def ok(job: JobContext) -> dict[str, Any]:
        calls.append("ok")
        job.progress(1, 2)
        job.progress(2, 2)
        return {"answer": 42}

    @job_handler("test.bad_input", on_failure=fail_hook)
    def bad_input(job: JobContext) -> None:
        calls.append("bad")
        raise JobFailed("bad_input", "That file is not a document.")

    @job_handler("test.crash", on_failure=fail_hook)
    def crash(job: JobContext) -> None:
        calls.append("crash")
        raise RuntimeError("boom")

    yield
    for name in ("test.ok", "test.bad_input", "test.crash"):
        job_handler_remove(name)


def _create(user: Any, kind: str = "test.ok", **kwargs: Any) -> services.JobInfo:
    job, _ = services.job_create(kind=kind, owner_id=user.pk, **kwargs)
    return job


def test_a_created_job_runs_after_commit_and_succeeds(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)

    row = Job.objects.get(pk=job.id)
    assert (row.status, row.attempts, row.progress_done, row.progress_total, row.result) == (
        "succeeded",
        1,
        2,
        2,
        {"answer": 42},
    )
    assert row.lease_owner == ""
    assert row.lease_expires_at is None


def test_progress_is_pushed_to_the_owner(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)

    pushes = list(Push.objects.filter(user=user, type="job.progress").order_by("id"))
    assert pushes[0].data["status"] == "running"
    assert pushes[-1].data == pushes[-1].data | {"job_id": job.id, "status": "succeeded", "progress_done": 2}


def test_an_idempotency_key_creates_one_job(user: Any) -> None:
    first, created_first = services.job_create(kind="test.ok", owner_id=user.pk, idempotency_key="k1")
    second, created_second = services.job_create(kind="test.ok", owner_id=user.pk, idempotency_key="k1")

    assert (created_first, created_second, first.id) == (True, False, second.id)
    assert Job.objects.count() == 1


def test_a_claimed_job_cannot_be_claimed_again(user: Any) -> None:
    job = _create(user)
    first = runner.job_claim(job_id=job.id, worker="w1")

    assert first is not None
    assert runner.job_claim(job_id=job.id, worker="w2") is None


def test_bad_input_fails_at_once_with_the_reason(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, kind="test.bad_input")

    row = Job.objects.get(pk=job.id)
    assert (row.status, row.attempts, row.error_code, row.error) == (
        "failed",
        1,
        "bad_input",
        "That file is not a document.",
    )
    assert failures == [job.id]


def test_a_crash_is_retried_until_the_last_attempt(
    user: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.JOBS_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, kind="test.crash")

    row = Job.objects.get(pk=job.id)
    assert calls == ["crash", "crash", "crash"]
    assert (row.status, row.attempts, row.error_code) == ("failed", 3, "internal_error")
    assert "RuntimeError" in row.error
    assert failures == [job.id]


def _expire(job_id: int) -> None:
    Job.objects.filter(pk=job_id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_the_reaper_requeues_a_job_whose_worker_died(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    job = _create(user)
    runner.job_claim(job_id=job.id, worker="dead-worker")  # then the worker is killed: no renewals
    _expire(job.id)

    with django_capture_on_commit_callbacks(execute=True):
        report = runner.jobs_reap()

    row = Job.objects.get(pk=job.id)
    assert (report.requeued, report.failed) == (1, 0)
    assert (row.status, row.attempts) == ("succeeded", 2)


def test_the_reaper_fails_a_job_out_of_attempts_with_a_reason(user: Any) -> None:
    job = _create(user, max_attempts=1)
    runner.job_claim(job_id=job.id, worker="dead-worker")
    _expire(job.id)

    report = runner.jobs_reap()

    row = Job.objects.get(pk=job.id)
    assert (report.requeued, report.failed) == (0, 1)
    assert (row.status, row.error_code) == ("failed", "lease_expired")
    assert row.error == "The worker stopped responding (lease expired) on attempt 1 of 1."
    assert failures == [job.id]


def test_a_worker_that_lost_its_lease_cannot_report(user: Any) -> None:
    job = _create(user)
    context = runner.job_claim(job_id=job.id, worker="slow")
    assert context is not None
    _expire(job.id)
    runner.jobs_reap()
    runner.job_claim(job_id=job.id, worker="new")

    with pytest.raises(LeaseLost):
        runner.job_progress(job_id=job.id, lease_token=context.lease_token, done=1, total=2)
    with pytest.raises(LeaseLost):
        runner.job_succeed(job_id=job.id, lease_token=context.lease_token)


def test_the_reaper_resends_a_job_whose_message_was_lost(
    user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = _create(user)  # its message is never sent: no on_commit here
    Job.objects.filter(pk=job.id).update(updated_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        report = runner.jobs_reap()

    assert report.resent == 1
    assert Job.objects.get(pk=job.id).status == "succeeded"


def test_an_unknown_kind_fails_with_a_reason(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, kind="test.nobody")

    row = Job.objects.get(pk=job.id)
    assert (row.status, row.error_code) == ("failed", "unknown_kind")


def test_owner_reads_their_jobs(user: Any, auth_client: Any) -> None:
    job = _create(user)

    listing = auth_client.get("/api/v1/jobs/")
    detail = auth_client.get(f"/api/v1/jobs/{job.id}/")

    assert listing.status_code == 200
    assert [j["id"] for j in listing.json()["results"]] == [job.id]
    assert detail.status_code == 200
    assert detail.json()["status"] == "queued"


def test_another_learner_gets_404_for_a_job(user: Any, other_user: Any, client_for: Any) -> None:
    job = _create(user)
    client = client_for(other_user)

    detail = client.get(f"/api/v1/jobs/{job.id}/")

    assert detail.status_code == 404
    assert detail.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/jobs/").json()["results"] == []


def test_renewing_the_lease_pushes_its_expiry_forward(user: Any, settings: Any) -> None:
    settings.JOBS_LEASE_SECONDS = 60
    job = _create(user)
    context = runner.job_claim(job_id=job.id, worker="w")
    assert context is not None
    Job.objects.filter(pk=job.id).update(lease_expires_at=timezone.now() + timedelta(seconds=5))

    runner.job_renew_lease(job_id=job.id, lease_token=context.lease_token)

    expires = Job.objects.get(pk=job.id).lease_expires_at
    assert expires is not None
    assert expires > timezone.now() + timedelta(seconds=55)


def test_jobs_are_filtered_by_kind_and_status(user: Any, auth_client: Any) -> None:
    queued = _create(user)
    _create(user, kind="test.crash")

    by_kind = auth_client.get("/api/v1/jobs/", {"kind": "test.ok"}).json()["results"]
    by_status = auth_client.get("/api/v1/jobs/", {"status": "running"}).json()["results"]

    assert [j["id"] for j in by_kind] == [queued.id]
    assert by_status == []


def test_a_heartbeat_right_after_the_claim_writes_nothing(user: Any, django_assert_num_queries: Any) -> None:
    job = _create(user)
    context = runner.job_claim(job_id=job.id, worker="w")
    assert context is not None

    with django_assert_num_queries(0):
        context.heartbeat()


def test_a_total_told_without_a_write_is_recorded_by_the_success(user: Any) -> None:
    job = _create(user)
    context = runner.job_claim(job_id=job.id, worker="w")
    assert context is not None

    context.total_known(7)
    runner.job_succeed(job_id=job.id, lease_token=context.lease_token, total=context.total)

    row = Job.objects.get(pk=job.id)
    assert (row.status, row.progress_done, row.progress_total) == ("succeeded", 7, 7)
