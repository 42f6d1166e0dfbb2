from typing import Any

from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler
from apps.speech import services


@job_handler(services.TRANSCRIBE_JOB, on_failure=services.transcription_failed)
def transcribe(job: JobContext) -> dict[str, Any]:
    return services.transcription_run(job=job)


@job_handler(services.NARRATE_JOB, on_failure=services.narration_failed)
def narrate(job: JobContext) -> dict[str, Any]:
    return services.narration_run(job=job)


@job_handler(services.DELETE_FILES_JOB, max_attempts=10)
def delete_files(job: JobContext) -> None:
    """Removes deleted recordings and narrations from storage; storage errors are retried with back-off."""
    services.files_delete(names=list(job.payload["names"]))
