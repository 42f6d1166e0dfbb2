from typing import Any

from apps.documents.processing import document_extract, extraction_failed
from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler


@job_handler("documents.extract", on_failure=extraction_failed)
def extract(job: JobContext) -> dict[str, Any]:
    return document_extract(job=job)
