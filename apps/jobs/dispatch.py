"""Sending a job's row id to a worker (Celery) once the transaction that queued it commits."""

import logging

from django.conf import settings
from django.db import transaction

from apps.jobs.registry import time_limit_for

logger = logging.getLogger(__name__)


def send_on_commit(job_id: int, *, kind: str, countdown: float = 0) -> None:
    """The message carries the kind's time limit as Celery's soft limit (an exception inside the job, the attempt
    fails) and, ``JOBS_HARD_LIMIT_GRACE_SECONDS`` later, its hard limit: the prefork pool kills the process
    running it (e.g. stuck in native code) and starts a fresh one."""
    from apps.jobs import tasks

    limit = time_limit_for(kind)

    def send() -> None:
        try:
            tasks.run_job.apply_async(
                args=[job_id],
                countdown=countdown or None,
                soft_time_limit=limit,
                time_limit=limit + settings.JOBS_HARD_LIMIT_GRACE_SECONDS,
            )
        except Exception:  # a broker outage must not break the request: the reaper resends queued jobs
            logger.exception("could not send job %s to the broker; the reaper will resend it", job_id)

    transaction.on_commit(send)
