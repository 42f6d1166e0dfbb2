from typing import Any

from apps.chat import services
from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler


@job_handler(services.INDEX_JOB)
def index_document(job: JobContext) -> dict[str, Any]:
    """Embeds and indexes one processed document's chunks for its owner (replaces any earlier index of it)."""
    count = services.index_build_document(owner_id=job.owner_id, document_id=int(job.payload["document_id"]))
    return {"chunks_indexed": count}
