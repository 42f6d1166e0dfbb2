"""The jobs API other apps call: queue a job, give a failed one another go, erase a learner's jobs.

That is all an app (or a job kind) may call here; reads are in ``apps.jobs.selectors``, what a running job
may do is on its ``JobContext``, and how workers claim, renew, reap and run jobs is ``apps.jobs.runner``'s
business. Other apps never touch the Job model.
"""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.jobs import statements
from apps.jobs.dispatch import send_on_commit
from apps.jobs.info import JobInfo, job_info
from apps.jobs.models import Job
from apps.jobs.registry import job_kind

__all__ = ["JobInfo", "job_create", "job_retry", "jobs_erase_owner"]


def job_create(
    *,
    kind: str,
    owner_id: int,
    payload: dict[str, Any] | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    idempotency_key: str | None = None,
    max_attempts: int | None = None,
) -> tuple[JobInfo, bool]:
    """Creates a queued job and sends it to a worker once the caller's transaction commits.

    With an ``idempotency_key`` a second call returns the first job and enqueues nothing (``created`` is
    False): a redelivered event never starts a second job.
    """
    registered = job_kind(kind)
    attempts = max_attempts or (registered.max_attempts if registered else None) or settings.JOBS_MAX_ATTEMPTS
    job = Job(
        kind=kind,
        owner_id=owner_id,
        payload=payload or {},
        subject_type=subject_type,
        subject_id=str(subject_id),
        idempotency_key=idempotency_key or None,
        max_attempts=attempts,
    )
    # No look-up first and no savepoint: the unique key decides in the INSERT itself (ON CONFLICT DO NOTHING),
    # so the usual first call is one statement and a repeat (a redelivered event, a double click, a concurrent
    # call, which waits for the first to commit) leaves the caller's transaction usable.
    if not statements.insert_unless_key_taken(job):
        existing = Job.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:  # the other job was deleted in between: its key is free again
            raise IntegrityError(f"job idempotency key {idempotency_key!r} was taken, then freed")
        return job_info(existing), False
    send_on_commit(job.pk, kind=kind)
    return job_info(job), True


@transaction.atomic
def job_retry(*, job_id: int) -> bool:
    """Gives a finished (failed) job a fresh set of attempts, e.g. from the admin. False if it is active."""
    job = Job.objects.select_for_update().filter(pk=job_id, status=Job.Status.FAILED).first()
    if job is None:
        return False
    job.status, job.attempts, job.progress_done = Job.Status.QUEUED, 0, 0
    job.error_code, job.error, job.finished_at = "", "", None
    job.save(update_fields=["status", "attempts", "progress_done", "error_code", "error", "finished_at", "updated_at"])
    send_on_commit(job.pk, kind=job.kind)
    return True


def jobs_erase_owner(*, owner_id: int) -> int:
    """Deletes every job of an erased learner (a worker still running one loses its lease and stops)."""
    deleted, _ = Job.objects.filter(owner_id=owner_id).delete()
    return deleted
