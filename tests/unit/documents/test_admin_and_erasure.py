from typing import Any

import pytest
from django.test import Client

from apps.documents import lifecycle
from apps.documents.models import Document, Page
from apps.jobs.models import Job
from eventbus import publish
from tests.factories import PageFactory, UserFactory, make_document
from tests.fixtures.documents import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    staff: Any = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def document_id(upload: Any) -> int:
    return int(upload(pdf_bytes(page_count=1)).json()["id"])


def test_admin_shows_history_and_jobs(staff_client: Client, document_id: int) -> None:
    page = staff_client.get(f"/admin/documents/document/{document_id}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "extraction_started" in html
    assert "documents.extract" in html
    assert staff_client.get("/admin/documents/document/").status_code == 200
    assert staff_client.get("/admin/documents/documentevent/").status_code == 200
    assert staff_client.get("/admin/jobs/job/").status_code == 200


def test_admin_reruns_extraction(
    staff_client: Client, document_id: int, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/documents/document/", {"action": "rerun_extraction", "_selected_action": [document_id]}
        )

    assert response.status_code == 302
    assert Job.objects.filter(subject_type="document", subject_id=str(document_id), status="succeeded").count() == 2
    starts = [e for e in lifecycle.events_of(document_id) if e.type == "extraction_started"]
    assert len(starts) == 2
    assert Document.objects.get(pk=document_id).status == "processed"


def test_user_deleted_event_erases_their_documents(user: Any, django_capture_on_commit_callbacks: Any) -> None:
    document = make_document(owner=user, processed=True)
    PageFactory(document=document)

    with django_capture_on_commit_callbacks(execute=True):
        publish("user.deleted", {"user_id": user.pk})

    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Page.objects.filter(document_id=document.pk).exists()
    assert lifecycle.events_of(document.pk) == []
