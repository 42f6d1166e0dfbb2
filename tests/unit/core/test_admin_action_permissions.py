"""Every admin action needs its own permission; only superusers erase staff and superuser accounts."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.accounts.models import User
from apps.jobs.models import Job
from tests.factories import make_user
from tests.fixtures.documents import pdf_bytes

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
JOBS = "/admin/jobs/job/"
DOCUMENTS = "/admin/documents/document/"


def _staff(*codenames: str) -> Client:
    staff = make_user(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(staff)
    return client


def _run(client: Client, changelist: str, action: str, *ids: int) -> Any:
    return client.post(changelist, {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)


def test_staff_with_only_view_user_cannot_erase(django_capture_on_commit_callbacks):
    learner = make_user()
    client = _staff("view_user")

    with django_capture_on_commit_callbacks(execute=True):
        page = _run(client, USERS, "erase_accounts", learner.pk)

    assert page.status_code == 200
    assert "erase_accounts" not in client.get(USERS).content.decode()  # not even offered
    assert User.objects.get(pk=learner.pk).erased_at is None


def test_staff_with_the_erase_permission_cannot_erase_a_superuser_or_staff(django_capture_on_commit_callbacks):
    superuser = make_user(is_staff=True, is_superuser=True)
    colleague = make_user(is_staff=True)
    learner = make_user()
    client = _staff("view_user", "erase_user")

    with django_capture_on_commit_callbacks(execute=True):
        page = _run(client, USERS, "erase_accounts", superuser.pk, colleague.pk, learner.pk)

    assert User.objects.get(pk=superuser.pk).erased_at is None
    assert User.objects.get(pk=colleague.pk).erased_at is None
    assert User.objects.get(pk=learner.pk).erased_at is not None
    assert "only a superuser may erase those" in page.content.decode()


def test_a_superuser_may_erase_staff(django_capture_on_commit_callbacks):
    colleague = make_user(is_staff=True)
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        _run(client, USERS, "erase_accounts", colleague.pk)

    assert User.objects.get(pk=colleague.pk).erased_at is not None


def _failed_job() -> Job:
    return Job.objects.create(kind="documents.extract", owner=make_user(), status=Job.Status.FAILED, attempts=3)


@pytest.mark.parametrize(
    ("codenames", "retried"),
    [pytest.param(("view_job",), False, id="view-only"), pytest.param(("view_job", "change_job"), True, id="change")],
)
def test_retrying_jobs_needs_the_change_permission(codenames, retried):
    job = _failed_job()

    _run(_staff(*codenames), JOBS, "retry_failed", job.pk)

    job.refresh_from_db()
    assert (job.status != Job.Status.FAILED) is retried


@pytest.mark.parametrize(
    ("codenames", "rerun"),
    [
        pytest.param(("view_document",), False, id="view-only"),
        pytest.param(("view_document", "change_document"), True, id="change"),
    ],
)
def test_rerunning_extraction_needs_the_change_permission(
    codenames, rerun, auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = auth_client.post(
            "/api/v1/documents/", {"file": SimpleUploadedFile("notes.pdf", pdf_bytes(page_count=1))}, format="multipart"
        )
    document_id = upload.json()["id"]
    jobs_before = Job.objects.filter(subject_id=str(document_id)).count()

    with django_capture_on_commit_callbacks(execute=True):
        _run(_staff(*codenames), DOCUMENTS, "rerun_extraction", document_id)

    assert Job.objects.filter(subject_id=str(document_id)).count() == jobs_before + int(rerun)
