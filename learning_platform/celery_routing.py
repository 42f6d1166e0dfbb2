"""Routes each durable job to the Celery queue of its kind, so a long lecture never waits behind (or holds up)
document extraction. Job kinds not listed in JOBS_KIND_QUEUES, and every other task, take the default queue."""

from typing import Any

from django.conf import settings

RUN_JOB_TASK = "apps.jobs.tasks.run_job"


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any
) -> dict[str, str] | None:
    if name != RUN_JOB_TASK or not settings.JOBS_KIND_QUEUES:
        return None
    job_id = (args or [None])[0] if args else (kwargs or {}).get("job_id")
    if job_id is None:
        return None
    from apps.jobs.selectors import job_get

    job = job_get(job_id=int(job_id))
    queue = settings.JOBS_KIND_QUEUES.get(job.kind) if job is not None else None
    return {"queue": queue} if queue else None
