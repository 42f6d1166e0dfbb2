from typing import Any

from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler
from apps.notes.services import GENERATE_JOB, notes_failed, notes_generate


@job_handler(GENERATE_JOB, on_failure=notes_failed)
def generate(job: JobContext) -> dict[str, Any]:
    return notes_generate(job=job)
