"""The jobs' written-out statements (ADR 0031): a claim, a progress report and a success are one
``UPDATE ... RETURNING`` each, a new job one ``INSERT ... ON CONFLICT DO NOTHING RETURNING``; they write what
the ORM wrote before."""

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from apps.jobs import runner, services
from apps.jobs.errors import LeaseLost
from apps.jobs.models import Job
from apps.realtime.models import Push

pytestmark = pytest.mark.django_db

#: Inside the test's transaction an atomic block adds a SAVEPOINT/RELEASE pair.
ATOMIC = 2


def _job(user: Any, **fields: Any) -> Job:
    info, _ = services.job_create(kind="test.written", owner_id=user.pk, payload={"n": [1, "é"]}, **fields)
    return Job.objects.get(pk=info.id)


def _last_push(user: Any) -> dict[str, Any]:
    return dict(Push.objects.filter(user_id=user.pk).order_by("-id").values_list("data", flat=True)[0])


def test_a_claim_is_one_statement_and_hands_over_the_row(user: Any, django_assert_num_queries: Any) -> None:
    job = _job(user, subject_type="document", subject_id=7)

    with django_assert_num_queries(ATOMIC + 2):  # the claim and the owner's push
        context = runner.job_claim(job_id=job.pk, worker="w")

    assert context is not None
    row = Job.objects.get(pk=job.pk)
    assert (context.payload, context.attempt, context.kind) == ({"n": [1, "é"]}, 1, "test.written")
    assert (context.owner_id, context.subject_type, context.subject_id) == (user.pk, "document", "7")
    assert (row.status, row.attempts, row.lease_owner) == ("running", 1, context.lease_token)
    assert row.started_at is not None
    assert row.lease_expires_at is not None
    assert row.lease_expires_at > timezone.now()
    assert _last_push(user)["status"] == "running"


def test_a_job_out_of_attempts_is_not_claimed(user: Any) -> None:
    job = _job(user, max_attempts=1)
    Job.objects.filter(pk=job.pk).update(attempts=1)

    assert runner.job_claim(job_id=job.pk, worker="w") is None
    assert Job.objects.get(pk=job.pk).status == "queued"


def test_progress_is_one_statement_and_renews_the_lease(user: Any, django_assert_num_queries: Any) -> None:
    job = _job(user)
    context = runner.job_claim(job_id=job.pk, worker="w")
    assert context is not None
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())

    with django_assert_num_queries(ATOMIC + 2):
        runner.job_progress(job_id=job.pk, lease_token=context.lease_token, done=3, total=9)

    row = Job.objects.get(pk=job.pk)
    assert (row.progress_done, row.progress_total) == (3, 9)
    assert row.lease_expires_at is not None
    assert row.lease_expires_at > timezone.now()
    assert (_last_push(user)["progress_done"], _last_push(user)["progress_total"]) == (3, 9)


@pytest.mark.parametrize(
    ("written", "told", "expected"),
    [
        pytest.param((3, 9), None, (9, 9), id="written-total-no-told-total"),
        pytest.param((3, 9), 12, (12, 12), id="told-total-wins"),
        pytest.param(None, 5, (5, 5), id="told-total-never-written"),
        pytest.param(None, None, (0, None), id="no-total-at-all"),
    ],
)
def test_a_success_is_one_statement_with_the_progress_of_before(
    user: Any, django_assert_num_queries: Any, written: Any, told: Any, expected: Any
) -> None:
    job = _job(user)
    context = runner.job_claim(job_id=job.pk, worker="w")
    assert context is not None
    Job.objects.filter(pk=job.pk).update(error_code="x", error="the previous attempt failed")
    if written:
        runner.job_progress(job_id=job.pk, lease_token=context.lease_token, done=written[0], total=written[1])

    with django_assert_num_queries(ATOMIC + 2):
        runner.job_succeed(job_id=job.pk, lease_token=context.lease_token, result={"pages": 2}, total=told)

    row = Job.objects.get(pk=job.pk)
    assert (row.status, row.result, row.progress_done, row.progress_total) == ("succeeded", {"pages": 2}, *expected)
    assert (row.error_code, row.error, row.lease_owner, row.lease_expires_at) == ("", "", "", None)
    assert row.finished_at is not None
    assert (_last_push(user)["status"], _last_push(user)["error"]) == ("succeeded", "")


def test_a_success_after_the_lease_was_lost_changes_nothing(user: Any) -> None:
    job = _job(user)
    context = runner.job_claim(job_id=job.pk, worker="w")
    assert context is not None
    Job.objects.filter(pk=job.pk).update(lease_owner="another-worker")

    with pytest.raises(LeaseLost):
        runner.job_succeed(job_id=job.pk, lease_token=context.lease_token, result={"pages": 2})
    assert Job.objects.get(pk=job.pk).status == "running"


def test_a_new_job_is_one_insert_with_the_orms_values(user: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        info, created = services.job_create(kind="test.written", owner_id=user.pk, payload={"a": 1})
    reference = Job.objects.create(kind="test.written", owner_id=user.pk, payload={"a": 1}, max_attempts=3)

    def comparable(pk: int) -> dict[str, Any]:
        row: dict[str, Any] = dict(Job.objects.filter(pk=pk).values().get())
        assert row["created_at"] is not None
        assert row["updated_at"] is not None
        return {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")}

    assert created
    assert comparable(info.id) == comparable(reference.pk)


def test_a_repeated_key_inside_a_transaction_leaves_it_usable(user: Any) -> None:
    with transaction.atomic():
        first, _ = services.job_create(kind="test.written", owner_id=user.pk, idempotency_key="same")
        second, created = services.job_create(kind="test.written", owner_id=user.pk, idempotency_key="same")
        assert Job.objects.filter(idempotency_key="same").count() == 1  # the transaction still runs statements

    assert (created, second.id) == (False, first.id)
