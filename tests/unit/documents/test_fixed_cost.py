"""The extraction job's fixed cost per document: the SQL statements of an upload and its extraction job, counted
so that they cannot creep back (docs/benchmarks.md, "Documents")."""

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.documents.models import Document, Page
from apps.documents.services import document_request_extraction, document_upload
from apps.jobs.models import Job
from eventbus.subscriptions import groups_for, handlers_for, subscribe, unsubscribe
from tests.fixtures.documents import pdf_bytes

pytestmark = pytest.mark.django_db

#: Upload (limits, stream, outbox), delivery of document.uploaded (ledger, job row), the job (claim, start,
#: pages, progress, processed event, outbox, success), counted inside the test's transaction: every atomic
#: block is a SAVEPOINT/RELEASE pair here (BEGIN/COMMIT in production). 92 before the cuts of issue 10, then 82;
#: 63 since the lifecycle writes only changed columns without a savepoint per event, the upload writes its
#: projection once, the first extraction skips deleting pages nobody wrote, a batch locks and charges its
#: document in one UPDATE, a job of one batch makes no progress write and a job is created without a look-up;
#: 52 since a lifecycle event updates its projection before inserting itself (no savepoint: a conflict is an
#: UPDATE that matched no row), the upload's stream takes no savepoint, the job's events try the document it
#: last wrote before re-reading it, and the last batch of pages is written with the processed event;
#: 45 since the job's claim and success are one UPDATE ... RETURNING each, the learner's text budget is read by the
#: first batch's conditional UPDATE, a job is created by one INSERT ... ON CONFLICT DO NOTHING (no savepoint) and
#: the extraction request takes no savepoint inside the bus's delivery (ADR 0031).
MAX_STATEMENTS = 45


@pytest.fixture
def extraction_only() -> Any:
    """Only the extraction stage: the consumers downstream of document.processed (chat, notes) are their own."""
    removed = [(g, h) for g in groups_for("document.processed") for h in handlers_for(g, "document.processed")]
    for group, handler in removed:
        unsubscribe("document.processed", group=group, handler=handler)
    yield
    for group, handler in removed:
        subscribe("document.processed", group=group)(handler)


def _upload(user: Any, pages: int, capture_on_commit: Any) -> tuple[Document, int]:
    content = pdf_bytes(page_count=pages)
    with CaptureQueriesContext(connection) as queries, capture_on_commit(execute=True):
        document = document_upload(owner_id=user.pk, file=io.BytesIO(content), file_name="a.pdf", size=len(content))
    document.refresh_from_db()
    return document, len(queries.captured_queries)


def test_an_upload_and_its_extraction_job_stay_within_their_statement_budget(
    user: Any, django_capture_on_commit_callbacks: Any, extraction_only: Any
) -> None:
    document, statements = _upload(user, 2, django_capture_on_commit_callbacks)

    assert document.status == Document.Status.PROCESSED
    assert statements <= MAX_STATEMENTS


def test_the_fixed_cost_does_not_grow_with_pages_of_one_batch(
    user: Any, django_capture_on_commit_callbacks: Any, extraction_only: Any
) -> None:
    _, two_pages = _upload(user, 2, django_capture_on_commit_callbacks)
    _, eight_pages = _upload(user, 8, django_capture_on_commit_callbacks)

    assert eight_pages == two_pages  # pages of one batch are one multi-row INSERT each for pages and chunks


def test_a_job_of_one_batch_ends_with_its_pages_as_done_and_total(
    user: Any, django_capture_on_commit_callbacks: Any, extraction_only: Any
) -> None:
    document, _ = _upload(user, 3, django_capture_on_commit_callbacks)

    job = Job.objects.get(subject_type="document", subject_id=str(document.pk))
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 3, 3)


def test_a_second_extraction_still_replaces_the_pages_of_the_first(
    user: Any, django_capture_on_commit_callbacks: Any, extraction_only: Any
) -> None:
    document, _ = _upload(user, 3, django_capture_on_commit_callbacks)
    first_bytes = document.text_bytes

    with django_capture_on_commit_callbacks(execute=True):
        document_request_extraction(document_id=document.pk, idempotency_key="again")
    document.refresh_from_db()

    assert document.status == Document.Status.PROCESSED
    assert sorted(Page.objects.filter(document=document).values_list("number", flat=True)) == [1, 2, 3]
    assert document.text_bytes == first_bytes > 0
