"""document.processed -> notes job -> notes with citations; owner-only reads; regenerate; Markdown; erasure."""

from typing import Any

import pytest

from apps.documents.models import Chunk
from apps.jobs.models import Job
from apps.notes.models import Notes
from eventbus.models import OutboxEvent
from tests.fixtures.documents import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def document_id(upload: Any) -> int:
    response = upload(corpus("issue-598-example.pdf"), name="earth.pdf", title="Earth Science")
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def test_a_processed_document_gets_notes_whose_items_cite_their_chunk(document_id: int, auth_client: Any) -> None:
    response = auth_client.get(f"/api/v1/documents/{document_id}/notes/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["engine"], body["fallbacks"]) == ("ready", "offline", 0)
    assert body["summary"]
    assert body["outline"]
    chunks = {c.index: c for c in Chunk.objects.filter(document_id=document_id)}
    for item in body["summary"] + body["key_points"]:
        chunk = chunks[item["citation"]["chunk"]]
        assert chunk.page_number == item["citation"]["page"]
        assert item["text"].split()[0] in chunk.text
        assert item["text"].split()[-1].rstrip(".") in chunk.text
    assert [e["title"] for e in body["outline"]][:1] == ["Chapter 1"]


def test_notes_generated_is_published_with_ids_only(document_id: int) -> None:
    notes = Notes.objects.get(document_id=document_id)

    event = OutboxEvent.objects.get(topic="notes.generated")
    assert event.payload == {
        "notes_id": notes.pk,
        "document_id": document_id,
        "owner_id": notes.owner_id,
        "section_count": len(notes.content["outline"]),
    }


def test_a_redelivered_processed_event_starts_no_second_job(
    document_id: int, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.notes.handlers import on_document_processed

    with django_capture_on_commit_callbacks(execute=True):
        on_document_processed(OutboxEvent.objects.get(topic="document.processed").to_event())

    assert Job.objects.filter(kind="notes.generate").count() == 1


def test_another_learner_gets_404_and_anonymous_401(
    document_id: int, other_user: Any, client_for: Any, api_client: Any
) -> None:
    other = client_for(other_user)

    assert other.get(f"/api/v1/documents/{document_id}/notes/").status_code == 404
    assert other.get(f"/api/v1/documents/{document_id}/notes/markdown/").status_code == 404
    assert other.post(f"/api/v1/documents/{document_id}/notes/regenerate/").status_code == 404
    assert api_client.get(f"/api/v1/documents/{document_id}/notes/").status_code == 401


def test_regenerate_with_another_length(
    document_id: int, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = Notes.objects.get(document_id=document_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            f"/api/v1/documents/{document_id}/notes/regenerate/", {"detail": "short"}, format="json"
        )

    assert response.status_code == 202, response.json()
    after = Notes.objects.get(document_id=document_id)
    assert (after.pk, after.detail, after.status) == (before.pk, "short", "ready")
    assert len(after.content["summary"]) <= 2 < len(before.content["summary"]) or len(before.content["summary"]) <= 2
    assert Job.objects.filter(kind="notes.generate", status="succeeded").count() == 2


def test_regenerate_rejects_an_unknown_provider(document_id: int, auth_client: Any) -> None:
    response = auth_client.post(
        f"/api/v1/documents/{document_id}/notes/regenerate/", {"provider": "gpt9"}, format="json"
    )

    assert response.status_code == 400


def test_markdown_export_cites_pages(document_id: int, auth_client: Any) -> None:
    response = auth_client.get(f"/api/v1/documents/{document_id}/notes/markdown/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    assert text.startswith("# Earth Science: study notes")
    assert "## Glossary" in text
    assert "(p. 1, chunk 0)" in text


def test_deleting_the_document_deletes_its_notes(
    document_id: int, auth_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/documents/{document_id}/").status_code == 204

    assert not Notes.objects.filter(document_id=document_id).exists()


def test_erasing_the_learner_deletes_their_notes(
    document_id: int, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from eventbus import publish

    with django_capture_on_commit_callbacks(execute=True):
        publish("user.deleted", {"user_id": user.pk})

    assert not Notes.objects.filter(owner_id=user.pk).exists()


def test_a_job_without_text_fails_the_notes_with_a_reason(
    document_id: int, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.notes import services

    Chunk.objects.filter(document_id=document_id).delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.notes_request(owner_id=Notes.objects.get().owner_id, document_id=document_id)

    notes = Notes.objects.get(document_id=document_id)
    assert (notes.status, notes.failure_reason) == ("failed", "The document has no text, or is no longer processed.")
    assert OutboxEvent.objects.filter(topic="pipeline.step.failed", payload__step="notes").count() == 1


def test_regenerate_with_an_unconfigured_llm_is_400(document_id: int, auth_client: Any) -> None:
    response = auth_client.post(
        f"/api/v1/documents/{document_id}/notes/regenerate/", {"provider": "openai"}, format="json"
    )

    assert (response.status_code, response.json()["error"]["code"]) == (400, "provider_not_configured")
    assert Notes.objects.get(document_id=document_id).status == "ready"
