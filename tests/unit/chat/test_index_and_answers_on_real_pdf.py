"""A real PDF (LayoutParser paper, 2 pages) goes through extraction and chat's indexing job; questions about it
quote the right page, and a question it cannot answer says so."""

from typing import Any

import pytest

from apps.chat import services
from apps.chat.answers import NOT_FOUND
from apps.chat.models import IndexedChunk
from apps.jobs.models import Job
from tests.factories import UserFactory
from tests.fixtures.documents import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(processed: Any, user: Any) -> int:
    return processed(user, corpus("layout-parser-paper-fast.pdf"), "layout-parser.pdf", title="LayoutParser")


def _ask(user: Any, text: str, **scope: Any) -> Any:
    session = services.session_create(owner_id=user.pk, **scope)
    question = services.question_store(session=session, text=text)
    return services.answer_compute(session=session, question=question)


def test_processed_document_is_indexed_by_one_job(paper: int, user: Any) -> None:
    jobs = Job.objects.filter(kind=services.INDEX_JOB)
    assert [(job.status, job.subject_id, job.result) for job in jobs] == [
        ("succeeded", f"document-{paper}", {"chunks_indexed": IndexedChunk.objects.filter(document_id=paper).count()})
    ]
    rows = IndexedChunk.objects.filter(document_id=paper)
    assert rows.count() > 2
    assert {row.owner_id for row in rows} == {user.pk}
    assert {row.page_number for row in rows} == {1, 2}
    assert all(len(bytes(row.vector)) == 384 * 4 for row in rows)


@pytest.mark.parametrize(
    ("question", "page", "quoted"),
    [
        pytest.param("Where is the LayoutParser library publicly available?", 1, "layout-parser.github.io", id="p1"),
        pytest.param("Which frameworks are existing DL models developed with?", 2, "TensorFlow", id="p2"),
    ],
)
def test_an_answer_quotes_the_right_page(paper: int, user: Any, question: str, page: int, quoted: str) -> None:
    answer = _ask(user, question)

    assert answer.is_answered is True
    cited = [c for c in answer.citations if quoted in c["quote"]]
    assert cited, answer.citations
    assert {(c["document_id"], c["page"], c["document_title"]) for c in cited} == {(paper, page, "LayoutParser")}


def test_a_question_the_material_cannot_answer_says_so(paper: int, user: Any) -> None:
    answer = _ask(user, "What temperature should I bake sourdough bread at?")

    assert (answer.is_answered, answer.text, answer.citations) == (False, NOT_FOUND, [])


def test_another_learner_gets_none_of_these_passages(paper: int) -> None:
    answer = _ask(UserFactory(), "Where is the LayoutParser library publicly available?")

    assert (answer.is_answered, answer.citations) == (False, [])


def test_a_deleted_document_leaves_the_index(
    paper: int, auth_client: Any, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/documents/{paper}/").status_code == 204

    assert IndexedChunk.objects.filter(document_id=paper).count() == 0
    assert _ask(user, "Where is the LayoutParser library publicly available?").is_answered is False


def test_a_processed_event_for_a_document_gone_since_creates_no_job(user: Any) -> None:
    assert services.index_request(owner_id=user.pk, document_id=999_999, idempotency_key="k") is False
    assert not Job.objects.filter(kind=services.INDEX_JOB).exists()


def test_a_redelivered_processed_event_indexes_once(paper: int, django_capture_on_commit_callbacks: Any) -> None:
    from apps.chat.handlers import on_document_processed
    from eventbus.models import OutboxEvent

    delivered = OutboxEvent.objects.get(topic="document.processed").to_event()
    with django_capture_on_commit_callbacks(execute=True):
        on_document_processed(delivered)

    assert Job.objects.filter(kind=services.INDEX_JOB).count() == 1
