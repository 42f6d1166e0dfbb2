"""A learner erases their account: every session ends, and every app erases what it holds for them."""

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.accounts.services import user_erase
from apps.documents.models import Document, DocumentEvent
from apps.jobs.models import Job
from eventbus.models import OutboxEvent
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _upload(client: APIClient, text: str) -> int:
    response = client.post(
        "/api/v1/documents/", {"file": SimpleUploadedFile("notes.txt", text.encode())}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _stored_name(document_id: int) -> str:
    return str(Document.objects.values_list("storage_name", flat=True).get(pk=document_id))


def test_erasing_an_account_removes_it_everywhere_and_leaves_others_alone(
    user: Any, other_user: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    refresh = RefreshToken.for_user(user)
    mine, theirs = client_for(user), client_for(other_user)
    with django_capture_on_commit_callbacks(execute=True):
        my_doc = _upload(mine, "Photosynthesis turns light into sugar. " * 20)
        their_doc = _upload(theirs, "Mitochondria are the powerhouse of the cell. " * 20)
    my_file, their_file = _stored_name(my_doc), _stored_name(their_doc)
    assert default_storage.exists(my_file)

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204
    tombstone = User.objects.get(pk=user.pk)
    assert tombstone.erased_at is not None
    assert not tombstone.is_active
    assert user.email not in tombstone.email
    assert tombstone.display_name == ""
    assert not tombstone.has_usable_password()
    assert not Document.objects.filter(pk=my_doc).exists()
    assert not DocumentEvent.objects.filter(document_id=my_doc).exists()
    assert not Job.objects.filter(subject_type="document", subject_id=str(my_doc)).exists()
    assert not default_storage.exists(my_file)
    assert not default_storage.exists(f"documents/{user.pk}")  # no empty folder left behind either
    assert OutboxEvent.objects.filter(topic="user.deleted", key=str(user.pk)).count() == 1
    # The other learner keeps everything.
    assert Document.objects.filter(pk=their_doc, status="processed").exists()
    assert default_storage.exists(their_file)
    assert theirs.get(f"/api/v1/documents/{their_doc}/").status_code == 200
    # Every credential of the erased account is dead.
    assert mine.get(ME).status_code == 401
    refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, format="json")
    assert refreshed.status_code == 401
    login = APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert login.status_code == 401
    # The address is free again: the learner can start over with a new account.
    again = APIClient().post(
        "/api/v1/auth/register/", {"email": user.email, "password": "another-long-passphrase"}, format="json"
    )
    assert again.status_code == 202
    assert User.objects.get(email=user.email).pk != user.pk


@pytest.mark.parametrize(("body", "field"), [({}, "password"), ({"password": "not-my-password"}, "password")])
def test_erasure_needs_the_current_password(
    user: Any, auth_client: APIClient, body: dict[str, str], field: str
) -> None:
    response = auth_client.delete(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert User.objects.filter(pk=user.pk).exists()
    assert not OutboxEvent.objects.filter(topic="user.deleted").exists()


def test_erasure_needs_a_signed_in_learner(api_client: APIClient) -> None:
    response = api_client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 401


def test_staff_erase_accounts_in_the_admin_and_cannot_hard_delete_them(
    user: Any, other_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/accounts/user/", {"action": "erase_accounts", "_selected_action": [user.pk]})
    deleting = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [other_user.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).erased_at is not None
    assert OutboxEvent.objects.filter(topic="user.deleted", key=str(user.pk)).count() == 1
    assert deleting.status_code in {200, 302, 403}
    assert User.objects.filter(pk=other_user.pk, erased_at__isnull=True).exists()
    assert client.get("/admin/accounts/user/").status_code == 200


def test_erasing_twice_publishes_once(user: Any) -> None:
    user_erase(user=user)
    user_erase(user=user)

    assert OutboxEvent.objects.filter(topic="user.deleted", key=str(user.pk)).count() == 1
