"""The hot reads on prepared reads (apps.core.prepared, ADR 0027) on SQLite: document pages, notes, quiz detail,
chat sessions, transcriptions answer what the ORM and DRF would, and only to their learner."""

import pytest

from apps.chat import selectors as chat_selectors
from apps.core.prepared import Row
from apps.notes import selectors as notes_selectors
from apps.notes.models import Notes
from apps.notes.serializers import NotesOutput
from apps.quizzes import selectors as quiz_selectors
from apps.speech import selectors as speech_selectors
from tests.unit.core.prepared_hot_reads import assert_hot_reads_equal_the_orm, drf_output, seed_hot_reads

pytestmark = pytest.mark.django_db


def test_the_hot_reads_answer_what_the_orm_and_drf_would(user, other_user, auth_client, client_for):
    seeded = seed_hot_reads(user, quiz_id=901)
    seed_hot_reads(other_user, quiz_id=902)

    assert_hot_reads_equal_the_orm(user.pk, seeded, auth_client)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/{document}/pages/",
        "/api/v1/documents/{document}/pages/?has_tables=true",
        "/api/v1/documents/{document}/pages/?has_tables=nope",
        "/api/v1/documents/{document}/notes/",
        "/api/v1/quizzes/{quiz}/",
    ],
)
def test_another_learners_object_is_not_found_and_anonymous_is_401(user, other_user, client_for, client, path):
    seeded = seed_hot_reads(user, quiz_id=903)
    url = path.format(document=seeded.document_id, quiz=seeded.quiz_id)

    assert client_for(other_user).get(url).status_code == 404
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/chat/sessions/", "/api/v1/transcriptions/"])
def test_another_learners_rows_are_never_listed(user, other_user, client_for, client, path):
    seed_hot_reads(user, quiz_id=904)

    body = client_for(other_user).get(path).json()

    assert (body["count"], body["results"]) == (0, [])
    assert client.get(path).status_code == 401


def test_the_selectors_find_nothing_of_another_learner(user, other_user):
    seeded = seed_hot_reads(user, quiz_id=905)

    assert notes_selectors.notes_row_for_document(owner_id=other_user.pk, document_id=seeded.document_id) is None
    assert quiz_selectors.quiz_detail_rows(owner_id=other_user.pk, quiz_id=seeded.quiz_id) is None
    assert list(chat_selectors.session_list_rows_for_owner(owner_id=other_user.pk)) == []
    assert list(speech_selectors.transcription_list_rows_for_owner(owner_id=other_user.pk)) == []


def test_a_bad_pages_filter_is_a_400_on_the_learners_document(user, auth_client):
    seeded = seed_hot_reads(user, quiz_id=906)

    response = auth_client.get(f"/api/v1/documents/{seeded.document_id}/pages/", {"has_tables": "nope"})

    assert response.status_code == 400
    assert "has_tables" in str(response.json())


CITED = {"chunk": 3, "page": 4}


@pytest.mark.parametrize(
    "content",
    [
        {
            "summary": [{"text": "S", "citation": CITED}],
            "key_points": [{"text": 5, "citation": {"chunk": "7", "page": 1}}],
            "glossary": [{"term": "ATP", "definition": "energy", "citation": CITED}],
            "outline": [{"title": "Intro", "level": 1, "citation": CITED}],
        },
        {},
        {"summary": None, "outline": []},
        {"summary": [{"text": "S", "citation": None}]},
        {"summary": [{"text": None, "citation": CITED, "extra": 1}]},
    ],
    ids=["full", "empty", "null-list", "null-citation", "null-text"],
)
def test_the_notes_plan_equals_drf_for_nested_content(user, content):
    seeded = seed_hot_reads(user, quiz_id=907)
    Notes.objects.filter(document_id=seeded.document_id).update(content=content)
    notes = notes_selectors.notes_for_document(owner_id=user.pk, document_id=seeded.document_id)
    row = notes_selectors.notes_row_for_document(owner_id=user.pk, document_id=seeded.document_id)

    plan = NotesOutput._plan()
    assert plan is not None
    assert NotesOutput(row).data == drf_output(NotesOutput, [notes])[0] == NotesOutput(notes).data
    if len(content) == 4:  # every key there: the plan itself answers, not DRF's path behind it
        assert NotesOutput()._planned(plan, row) == drf_output(NotesOutput, [notes])[0]


def test_a_missing_nested_key_is_drfs_error():
    row = Row({name: None for name in ("id", "document_id", "status", "provider", "engine", "fallbacks")})
    vars(row).update(detail="standard", job_id=None, failure_reason="", generated_at=None)
    vars(row)["content"] = {"summary": [{"text": "no citation"}]}

    with pytest.raises(KeyError):
        NotesOutput(row).data  # noqa: B018 - DRF's own error for a required key, not another
