from typing import Any

from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler
from apps.quizzes.services import GENERATE_JOB, quiz_generate, quiz_generation_failed


@job_handler(GENERATE_JOB, on_failure=quiz_generation_failed)
def generate(job: JobContext) -> dict[str, Any]:
    return quiz_generate(job=job)
