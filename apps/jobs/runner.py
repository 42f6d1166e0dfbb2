"""The worker side of jobs: claim (lease), renew, report progress, succeed, fail, reap, run.

Only the Celery tasks (``apps.jobs.tasks``) and operators' tools call this module; a job kind sees its
``JobContext`` and apps call ``apps.jobs.services``. Every state change is a conditional UPDATE on the job row,
so two workers holding the same broker message (redelivery, a reaper re-queue) cannot both run a job: only the
one whose claim matched holds the lease, and a worker whose lease expired finds out at its next progress report
(LeaseLost) and stops.

Time limits: an attempt may run ``time_limit_for(kind)`` seconds. Past it the runner stops renewing the lease
(the job's next progress report or heartbeat raises TimeLimitExceeded and the attempt fails, retried while
attempts remain), the reaper takes back a job still running past it even with a fresh lease, and the Celery
message carries the limit as the task's soft/hard time limit, so a job stuck in native code is killed with its
worker process instead of pinning it.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.jobs import statements
from apps.jobs.context import JobContext
from apps.jobs.dispatch import send_on_commit
from apps.jobs.errors import JobFailed, LeaseLost, TimeLimitExceeded
from apps.jobs.info import JobInfo, job_info
from apps.jobs.models import Job
from apps.jobs.registry import job_kind, shortest_time_limit, time_limit_for
from apps.realtime.services import push_to_user

logger = logging.getLogger(__name__)

PUSH_TYPE = "job.progress"


def _push(job: Job) -> None:
    push_to_user(
        user_id=job.owner_id,
        type=PUSH_TYPE,
        data={
            "job_id": job.pk,
            "kind": job.kind,
            "status": job.status,
            "progress_done": job.progress_done,
            "progress_total": job.progress_total,
            "subject_type": job.subject_type,
            "subject_id": job.subject_id,
            "error": job.error,
        },
    )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class HeldLease:
    """The lease a worker holds on one attempt; renewing it stops at the attempt's deadline."""

    job_id: int
    token: str
    deadline: datetime
    time_limit: float

    def _check_deadline(self) -> None:
        if timezone.now() >= self.deadline:
            raise TimeLimitExceeded(f"job {self.job_id}: past its time limit of {self.time_limit:g} s")

    def progress(self, done: int, total: int | None) -> None:
        self._check_deadline()
        job_progress(job_id=self.job_id, lease_token=self.token, done=done, total=total)

    def renew(self) -> None:
        self._check_deadline()
        job_renew_lease(job_id=self.job_id, lease_token=self.token)


def job_claim(*, job_id: int, worker: str) -> JobContext | None:
    """Takes the lease on a queued job (one attempt). None when the job is not claimable: another worker
    holds it, it finished, or it ran out of attempts."""
    now = timezone.now()
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    expires = now + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    with transaction.atomic():
        # One statement: the conditional UPDATE of the claim returns the row it claimed.
        job = statements.returning(
            statements.claim_sql(),
            [Job.Status.RUNNING, token, *map(statements.when, (expires, now, now)), job_id, Job.Status.QUEUED],
            job_id,
        )
        if job is None:
            return None
        _push(job)
    limit = time_limit_for(job.kind)
    return JobContext(
        job_id=job.pk,
        kind=job.kind,
        owner_id=job.owner_id,
        payload=job.payload,
        attempt=job.attempts,
        lease_token=token,
        lease=HeldLease(job_id=job.pk, token=token, deadline=now + timedelta(seconds=limit), time_limit=limit),
        subject_type=job.subject_type,
        subject_id=job.subject_id,
    )


def _held(job_id: int, lease_token: str) -> QuerySet[Job]:
    return Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, lease_owner=lease_token)


def job_renew_lease(*, job_id: int, lease_token: str) -> None:
    expires = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    if not _held(job_id, lease_token).update(lease_expires_at=expires, updated_at=timezone.now()):
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")


@transaction.atomic
def job_progress(*, job_id: int, lease_token: str, done: int, total: int | None) -> None:
    """Records progress, renews the lease and pushes the progress to the owner's websockets."""
    now = timezone.now()
    expires = now + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    params = [done, total, statements.when(expires), statements.when(now), job_id, Job.Status.RUNNING, lease_token]
    job = statements.returning(statements.progress_sql(), params, job_id)
    if job is None:
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")
    _push(job)


@transaction.atomic
def job_succeed(
    *, job_id: int, lease_token: str, result: dict[str, Any] | None = None, total: int | None = None
) -> None:
    """Ends the job; its progress is total/total (``total``: the amount of work the handler last told, which
    may never have been written). One conditional UPDATE on the lease, returning what the push needs."""
    now = timezone.now()
    params = [Job.Status.SUCCEEDED, statements.json_value(result or {}), total, total]
    params += [statements.when(now), statements.when(now), job_id, Job.Status.RUNNING, lease_token]
    job = statements.returning(statements.succeed_sql(), params, job_id)
    if job is None:
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")
    _push(job)


def _fail_for_good(job: Job, *, code: str, reason: str) -> None:
    job.status = Job.Status.FAILED
    job.error_code, job.error = code, reason[:2000]
    job.lease_owner, job.lease_expires_at = "", None
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "error_code", "error", "lease_owner", "lease_expires_at", "finished_at", "updated_at"]
    )
    registered = job_kind(job.kind)
    if registered is not None and registered.on_failure is not None:
        try:
            with transaction.atomic():
                registered.on_failure(job_info(job))
        except Exception:  # a broken hook must not keep the job alive forever; it is logged loudly instead
            logger.exception("job %s (%s): the on_failure hook failed", job.pk, job.kind)
    _push(job)


def _requeue(job: Job, *, code: str, reason: str) -> None:
    job.status = Job.Status.QUEUED
    job.error_code, job.error = code, reason[:2000]
    job.lease_owner, job.lease_expires_at = "", None
    job.save(update_fields=["status", "error_code", "error", "lease_owner", "lease_expires_at", "updated_at"])
    send_on_commit(job.pk, kind=job.kind, countdown=settings.JOBS_RETRY_BACKOFF_SECONDS * job.attempts)
    _push(job)


@transaction.atomic
def job_fail(*, job_id: int, lease_token: str, code: str, reason: str, retry: bool) -> JobInfo:
    """Ends an attempt. With ``retry`` the job is queued again while attempts remain; otherwise (or after
    the last attempt) it fails for good and its kind's ``on_failure`` hook runs in this transaction."""
    job = Job.objects.select_for_update().filter(pk=job_id, status=Job.Status.RUNNING, lease_owner=lease_token).first()
    if job is None:
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")
    if retry and job.attempts < job.max_attempts:
        _requeue(job, code=code, reason=reason)
    else:
        _fail_for_good(job, code=code, reason=reason)
    return job_info(job)


def _time_limit_reason(attempt: int, limit: float) -> str:
    return f"The job ran past its time limit of {limit:g} s on attempt {attempt}."


@dataclass(frozen=True)
class ReapReport:
    requeued: int
    failed: int
    resent: int


def _end_attempt(job: Job, *, code: str, reason: str) -> str:
    if job.attempts >= job.max_attempts:
        _fail_for_good(job, code=code, reason=reason)
        return "failed"
    _requeue(job, code=code, reason=reason)
    return "requeued"


@transaction.atomic
def _reap_expired(job_id: int, now: datetime) -> str:
    job = (
        Job.objects.select_for_update(skip_locked=True)
        .filter(pk=job_id, status=Job.Status.RUNNING, lease_expires_at__lt=now)
        .first()
    )
    if job is None:
        return "gone"
    reason = f"The worker stopped responding (lease expired) on attempt {job.attempts} of {job.max_attempts}."
    return _end_attempt(job, code="lease_expired", reason=reason)


@transaction.atomic
def _reap_overdue(job_id: int, now: datetime) -> str:
    """A job still running past its time limit (its lease may be fresh: a hung job that keeps renewing)."""
    job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=Job.Status.RUNNING).first()
    if job is None or job.started_at is None:
        return "gone"
    limit = time_limit_for(job.kind)
    if job.started_at + timedelta(seconds=limit) > now:
        return "gone"
    return _end_attempt(job, code="time_limit", reason=_time_limit_reason(job.attempts, limit))


def _overdue_ids(now: datetime) -> list[int]:
    oldest = now - timedelta(seconds=shortest_time_limit())
    candidates = Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=oldest).values_list(
        "pk", "kind", "started_at"
    )[:500]
    return [
        pk for pk, kind, started in candidates if started and started + timedelta(seconds=time_limit_for(kind)) <= now
    ]


def jobs_reap() -> ReapReport:
    """Re-queues running jobs whose lease expired (their worker died) or that ran past their time limit,
    failing those out of attempts, and resends jobs queued for too long (their broker message was lost).
    Runs on the scheduler every ``JOBS_REAPER_INTERVAL_SECONDS``."""
    now = timezone.now()
    requeued = failed = 0
    overdue_ids = _overdue_ids(now)  # first: a job killed at its hard time limit also has an expired lease
    expired_ids = Job.objects.filter(status=Job.Status.RUNNING, lease_expires_at__lt=now).values_list("pk", flat=True)
    work = [(_reap_overdue, job_id) for job_id in overdue_ids]
    work += [(_reap_expired, job_id) for job_id in expired_ids[:500] if job_id not in overdue_ids]
    for reap, job_id in work:
        try:
            outcome = reap(job_id, now)
        except Exception:  # one broken failure hook must not stop the reaper for every other job
            logger.exception("job reaper: could not reap job %s; will try again next round", job_id)
            continue
        requeued += outcome == "requeued"
        failed += outcome == "failed"
    stale = now - timedelta(seconds=settings.JOBS_REQUEUE_AFTER_SECONDS)
    resent = 0
    with transaction.atomic():
        queued = Job.objects.filter(status=Job.Status.QUEUED, updated_at__lt=stale).values_list("pk", "kind")[:500]
        for job_id, kind in queued:
            Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(updated_at=now)
            send_on_commit(job_id, kind=kind)
            resent += 1
    if requeued or failed or resent:
        logger.info("job reaper: %s re-queued, %s failed, %s resent", requeued, failed, resent)
    return ReapReport(requeued=requeued, failed=failed, resent=resent)


def job_run(*, job_id: int, worker: str | None = None) -> str:
    """Runs one attempt of a job if it can be claimed; what the Celery task calls. Returns the outcome."""
    context = job_claim(job_id=job_id, worker=worker or worker_name())
    if context is None:
        return "not-claimed"
    registered = job_kind(context.kind)
    try:
        if registered is None:
            raise JobFailed("unknown_kind", f"No handler is registered for job kind {context.kind!r}.")
        result = registered.run(context)
    except JobFailed as exc:
        job_fail(job_id=job_id, lease_token=context.lease_token, code=exc.code, reason=exc.reason, retry=False)
        return "failed"
    except LeaseLost:
        logger.warning("job %s: lease lost, another worker owns it now", job_id)
        return "lease-lost"
    except (TimeLimitExceeded, SoftTimeLimitExceeded):
        logger.error("job %s (%s) attempt %s ran past its time limit", job_id, context.kind, context.attempt)
        reason = _time_limit_reason(context.attempt, time_limit_for(context.kind))
        return _fail_attempt(context, code="time_limit", reason=reason)
    except Exception as exc:  # the worker's outermost boundary: log, and retry while attempts remain
        logger.exception("job %s (%s) attempt %s crashed", job_id, context.kind, context.attempt)
        reason = f"Processing failed unexpectedly ({type(exc).__name__})."
        return _fail_attempt(context, code="internal_error", reason=reason)
    try:
        job_succeed(job_id=job_id, lease_token=context.lease_token, result=result, total=context.total)
    except LeaseLost:
        return "lease-lost"
    return "succeeded"


def _fail_attempt(context: JobContext, *, code: str, reason: str) -> str:
    """Fail the attempt, retried while attempts remain."""
    try:
        info = job_fail(job_id=context.job_id, lease_token=context.lease_token, code=code, reason=reason, retry=True)
    except LeaseLost:
        return "lease-lost"
    return "failed" if info.status == Job.Status.FAILED else "retrying"
