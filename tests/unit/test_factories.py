"""The factories build rows the code itself could have written."""

from typing import Any

import pytest
from django.core.management import call_command

from apps.jobs import runner
from apps.jobs.models import Job
from apps.realtime.models import Push
from eventbus.models import DeadLetter, DeliveryRetry, OutboxEvent, ProcessedEvent
from eventbus.schemas import validate_for_consume
from eventbus.transports import sweep
from tests.factories import (
    DeliveryRetryFactory,
    ProcessedEventFactory,
    PushFactory,
    make_dead_letter,
    make_job,
    make_outbox_event,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_a_job_from_the_factory_is_claimable_by_the_runner() -> None:
    job = make_job()

    context = runner.job_claim(job_id=job.pk, worker="w")

    assert context is not None
    assert Job.objects.get(pk=job.pk).status == "running"


def test_an_outbox_event_from_the_factory_is_valid_and_delivered_by_the_sweep(settings: Any) -> None:
    settings.EVENTBUS_TRANSPORT = "inprocess"
    settings.EVENTBUS_SWEEP_GRACE_SECONDS = 0.0
    row = make_outbox_event()
    event = row.to_event()
    validate_for_consume(event.topic, event.payload, event.schema_version)

    sweep()

    assert OutboxEvent.objects.get(pk=row.pk).sent_at is not None


def test_a_dead_letter_from_the_factory_is_replayable() -> None:
    letter = make_dead_letter(group="factory-test")

    call_command("dead_letters", "replay", str(letter.pk))

    assert DeadLetter.objects.get(pk=letter.pk).replayed_at is not None
    assert ProcessedEvent.objects.filter(group="factory-test", event_id=letter.event_id).exists()


def test_the_other_factories_save_their_rows() -> None:
    user = make_user()
    PushFactory(user=user)
    ProcessedEventFactory()
    DeliveryRetryFactory()

    assert Push.objects.filter(user=user, type="job.progress").count() == 1
    assert ProcessedEvent.objects.count() == 1
    assert DeliveryRetry.objects.count() == 1
