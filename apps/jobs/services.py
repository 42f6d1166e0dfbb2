"""The durable job mechanism: create, claim (lease), renew, report progress, succeed, fail, reap.

Other apps use these typed functions only, never the Job model. Every state change is a conditional
UPDATE on the job row, so two workers holding the same broker message (redelivery, a reaper re-queue)
cannot both run a job: only the one whose claim matched holds the lease, and a worker whose lease
expired finds out at its next progress report (LeaseLost) and stops.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed, LeaseLost
from apps.jobs.models import Job
from apps.jobs.registry import job_kind
from apps.realtime.services import push_to_user

logger = logging.getLogger(__name__)

PUSH_TYPE = "job.progress"


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    owner_id: int
    status: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]
    progress_done: int
    progress_total: int | None
    attempts: int
    max_attempts: int
    error_code: str
    error: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def is_finished(self) -> bool:
        return self.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)


def _info(job: Job) -> JobInfo:
    return JobInfo(
        id=job.pk,
        kind=job.kind,
        owner_id=job.owner_id,
        status=job.status,
        subject_type=job.subject_type,
        subject_id=job.subject_id,
        payload=job.payload,
        progress_done=job.progress_done,
        progress_total=job.progress_total,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        error_code=job.error_code,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _enqueue_on_commit(job_id: int, *, countdown: float = 0) -> None:
    from apps.jobs import tasks

    def send() -> None:
        try:
            tasks.run_job.apply_async(args=[job_id], countdown=countdown or None)
        except Exception:  # a broker outage must not break the request: the reaper resends queued jobs
            logger.exception("could not send job %s to the broker; the reaper will resend it", job_id)

    transaction.on_commit(send)


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


def job_get(*, job_id: int) -> JobInfo | None:
    job = Job.objects.filter(pk=job_id).first()
    return None if job is None else _info(job)


def jobs_for_subject(*, subject_type: str, subject_id: str | int) -> list[JobInfo]:
    return [_info(j) for j in Job.objects.filter(subject_type=subject_type, subject_id=str(subject_id))]


def jobs_erase_owner(*, owner_id: int) -> int:
    """Deletes every job of an erased learner (a worker still running one loses its lease and stops)."""
    deleted, _ = Job.objects.filter(owner_id=owner_id).delete()
    return deleted


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
    if idempotency_key:
        existing = Job.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _info(existing), False
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                owner_id=owner_id,
                payload=payload or {},
                subject_type=subject_type,
                subject_id=str(subject_id),
                idempotency_key=idempotency_key or None,
                max_attempts=attempts,
            )
    except IntegrityError:
        # Lost a race with a concurrent creation under the same key.
        return _info(Job.objects.get(idempotency_key=idempotency_key)), False
    _enqueue_on_commit(job.pk)
    return _info(job), True


def job_claim(*, job_id: int, worker: str) -> JobContext | None:
    """Takes the lease on a queued job (one attempt). None when the job is not claimable: another worker
    holds it, it finished, or it ran out of attempts."""
    now = timezone.now()
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, attempts__lt=F("max_attempts")).update(
            status=Job.Status.RUNNING,
            attempts=F("attempts") + 1,
            lease_owner=token,
            lease_expires_at=now + timedelta(seconds=settings.JOBS_LEASE_SECONDS),
            started_at=now,
            updated_at=now,
        )
        if not claimed:
            return None
        job = Job.objects.get(pk=job_id)
        _push(job)
    return JobContext(
        job_id=job.pk,
        kind=job.kind,
        owner_id=job.owner_id,
        payload=job.payload,
        attempt=job.attempts,
        lease_token=token,
        subject_type=job.subject_type,
        subject_id=job.subject_id,
    )


def _held(job_id: int, lease_token: str) -> Any:
    return Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, lease_owner=lease_token)


def job_renew_lease(*, job_id: int, lease_token: str) -> None:
    expires = timezone.now() + timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    if not _held(job_id, lease_token).update(lease_expires_at=expires, updated_at=timezone.now()):
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")


@transaction.atomic
def job_progress(*, job_id: int, lease_token: str, done: int, total: int | None) -> None:
    """Records progress, renews the lease and pushes the progress to the owner's websockets."""
    now = timezone.now()
    updated = _held(job_id, lease_token).update(
        progress_done=done,
        progress_total=total,
        lease_expires_at=now + timedelta(seconds=settings.JOBS_LEASE_SECONDS),
        updated_at=now,
    )
    if not updated:
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")
    _push(Job.objects.get(pk=job_id))


@transaction.atomic
def job_succeed(*, job_id: int, lease_token: str, result: dict[str, Any] | None = None) -> None:
    job = Job.objects.select_for_update().filter(pk=job_id, status=Job.Status.RUNNING, lease_owner=lease_token).first()
    if job is None:
        raise LeaseLost(f"job {job_id}: lease {lease_token} is no longer held")
    job.status = Job.Status.SUCCEEDED
    job.result = result or {}
    if job.progress_total is not None:
        job.progress_done = job.progress_total
    job.error_code, job.error = "", ""
    job.lease_owner, job.lease_expires_at = "", None
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "result",
            "progress_done",
            "error_code",
            "error",
            "lease_owner",
            "lease_expires_at",
            "finished_at",
            "updated_at",
        ]
    )
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
                registered.on_failure(_info(job))
        except Exception:  # a broken hook must not keep the job alive forever; it is logged loudly instead
            logger.exception("job %s (%s): the on_failure hook failed", job.pk, job.kind)
    _push(job)


def _requeue(job: Job, *, code: str, reason: str) -> None:
    job.status = Job.Status.QUEUED
    job.error_code, job.error = code, reason[:2000]
    job.lease_owner, job.lease_expires_at = "", None
    job.save(update_fields=["status", "error_code", "error", "lease_owner", "lease_expires_at", "updated_at"])
    _enqueue_on_commit(job.pk, countdown=settings.JOBS_RETRY_BACKOFF_SECONDS * job.attempts)
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
    return _info(job)


@dataclass(frozen=True)
class ReapReport:
    requeued: int
    failed: int
    resent: int


@transaction.atomic
def _reap_one(job_id: int, now: datetime) -> str:
    job = (
        Job.objects.select_for_update(skip_locked=True)
        .filter(pk=job_id, status=Job.Status.RUNNING, lease_expires_at__lt=now)
        .first()
    )
    if job is None:
        return "gone"
    reason = f"The worker stopped responding (lease expired) on attempt {job.attempts} of {job.max_attempts}."
    if job.attempts >= job.max_attempts:
        _fail_for_good(job, code="lease_expired", reason=reason)
        return "failed"
    _requeue(job, code="lease_expired", reason=reason)
    return "requeued"


def jobs_reap() -> ReapReport:
    """Re-queues running jobs whose lease expired (their worker died), failing those out of attempts, and
    resends jobs queued for too long (their broker message was lost). Runs on the scheduler."""
    now = timezone.now()
    requeued = failed = 0
    expired_ids = list(
        Job.objects.filter(status=Job.Status.RUNNING, lease_expires_at__lt=now).values_list("pk", flat=True)[:500]
    )
    for job_id in expired_ids:
        try:
            outcome = _reap_one(job_id, now)
        except Exception:  # one broken failure hook must not stop the reaper for every other job
            logger.exception("job reaper: could not reap job %s; will try again next round", job_id)
            continue
        requeued += outcome == "requeued"
        failed += outcome == "failed"
    stale = now - timedelta(seconds=settings.JOBS_REQUEUE_AFTER_SECONDS)
    resent = 0
    with transaction.atomic():
        for job_id in Job.objects.filter(status=Job.Status.QUEUED, updated_at__lt=stale).values_list("pk", flat=True)[
            :500
        ]:
            Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(updated_at=now)
            _enqueue_on_commit(job_id)
            resent += 1
    if requeued or failed or resent:
        logger.info("job reaper: %s re-queued, %s failed, %s resent", requeued, failed, resent)
    return ReapReport(requeued=requeued, failed=failed, resent=resent)


@transaction.atomic
def job_retry(*, job_id: int) -> bool:
    """Gives a finished (failed) job a fresh set of attempts, e.g. from the admin. False if it is active."""
    job = Job.objects.select_for_update().filter(pk=job_id, status=Job.Status.FAILED).first()
    if job is None:
        return False
    job.status, job.attempts, job.progress_done = Job.Status.QUEUED, 0, 0
    job.error_code, job.error, job.finished_at = "", "", None
    job.save(update_fields=["status", "attempts", "progress_done", "error_code", "error", "finished_at", "updated_at"])
    _enqueue_on_commit(job.pk)
    return True


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
    except Exception as exc:  # the worker's outermost boundary: log, and retry while attempts remain
        logger.exception("job %s (%s) attempt %s crashed", job_id, context.kind, context.attempt)
        try:
            info = job_fail(
                job_id=job_id,
                lease_token=context.lease_token,
                code="internal_error",
                reason=f"Processing failed unexpectedly ({type(exc).__name__}).",
                retry=True,
            )
        except LeaseLost:
            return "lease-lost"
        return "failed" if info.status == Job.Status.FAILED else "retrying"
    try:
        job_succeed(job_id=job_id, lease_token=context.lease_token, result=result)
    except LeaseLost:
        return "lease-lost"
    return "succeeded"
