"""``JobInfo``: what other apps see of a job (plain data, never the model)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apps.jobs.models import Job


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


def job_info(job: Job) -> JobInfo:
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
