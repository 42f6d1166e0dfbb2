from typing import Any

from apps.documents import storage
from apps.documents.processing import document_extract, extraction_failed
from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler


@job_handler("documents.extract", on_failure=extraction_failed)
def extract(job: JobContext) -> dict[str, Any]:
    return document_extract(job=job)


@job_handler("documents.delete_file", max_attempts=10)
def delete_file(job: JobContext) -> None:
    """Removes a deleted document's stored file; storage errors are retried with back-off."""
    storage.file_delete(job.payload["storage_name"])
