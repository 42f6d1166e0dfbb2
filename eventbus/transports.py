"""The in-process transport: committed outbox rows delivered to this process's handlers.

Right after commit (``transaction.on_commit``) and, for rows a crash or a failing handler left behind, in a
periodic sweep (the ``eventbus.tasks.sweep_outbox`` Celery beat task, or ``manage.py outbox sweep``). On the
Kafka transport both are no-ops: the relay moves rows to the broker and ``consume_events`` delivers them.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from eventbus.delivery import dead_letter_event, handle, is_dead
from eventbus.envelope import Event
from eventbus.models import DeliveryRetry, OutboxEvent
from eventbus.publishing import deliver_after_commit_with
from eventbus.retry import after_failure
from eventbus.subscriptions import groups_for

logger = logging.getLogger(__name__)


def is_inprocess() -> bool:
    return settings.EVENTBUS_TRANSPORT == "inprocess"


def after_commit(event_ids: list[uuid.UUID]) -> None:
    """Deliver just-committed events. A failure here never reaches the caller: the sweep retries."""
    if not is_inprocess():
        return
    try:
        for row in OutboxEvent.objects.filter(event_id__in=event_ids, sent_at__isnull=True).order_by("id"):
            dispatch(row)
    except Exception:
        logger.exception("in-process delivery after commit failed; the sweep will retry")


@dataclass
class SweepResult:
    examined: int = 0
    delivered: int = 0
    waiting: int = 0


def sweep(*, limit: int = 1000, grace: timedelta | None = None) -> SweepResult:
    """Deliver committed rows that are still pending: left by a crash, or waiting for a retry."""
    result = SweepResult()
    if not is_inprocess():
        return result
    now = timezone.now()
    grace = grace if grace is not None else timedelta(seconds=settings.EVENTBUS_SWEEP_GRACE_SECONDS)
    due = (
        OutboxEvent.objects.filter(sent_at__isnull=True, time__lte=now - grace)
        .exclude(next_attempt_at__gt=now)
        .order_by("id")[:limit]
    )
    for row in due:
        result.examined += 1
        if dispatch(row, now=now):
            result.delivered += 1
        else:
            result.waiting += 1
    return result


def dispatch(row: OutboxEvent, *, now: datetime | None = None) -> bool:
    """Offer ``row`` to every subscribed group; mark it sent once every group is done with it.

    An event waits while an earlier event of its key is pending, so each key's order holds through retries.
    """
    now = now or timezone.now()
    groups = groups_for(row.topic)
    if groups and _earlier_pending(row):  # with no consumer there is no order to keep
        return False
    event = row.to_event()
    settled = [_deliver(group, event, now) for group in groups]
    if all(settled):
        OutboxEvent.objects.filter(pk=row.pk).update(sent_at=timezone.now(), next_attempt_at=None)
        return True
    next_attempt = DeliveryRetry.objects.filter(event_id=row.event_id).aggregate(at=Min("next_attempt_at"))["at"]
    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=next_attempt)
    return False


def _earlier_pending(row: OutboxEvent) -> bool:
    return OutboxEvent.objects.filter(topic=row.topic, key=row.key, sent_at__isnull=True, id__lt=row.id).exists()


def _deliver(group: str, event: Event, now: datetime) -> bool:
    """True when ``group`` is done with the event (handled, duplicate or dead-lettered)."""
    retry = DeliveryRetry.objects.filter(group=group, event_id=event.id).first()
    if retry and retry.next_attempt_at > now:
        return False
    if is_dead(group, event.id):
        return True
    attempts = (retry.attempts if retry else 0) + 1
    try:
        handle(group, event)
    except Exception as error:  # noqa: BLE001 - the transport's boundary: the retry policy judges it
        verdict = after_failure(group=group, topic=event.topic, error=error, attempt=attempts)
        if verdict.retry_after is None:
            dead_letter_event(group, event, error=verdict.error, attempts=attempts)
            DeliveryRetry.objects.filter(group=group, event_id=event.id).delete()
            return True
        DeliveryRetry.objects.update_or_create(
            group=group,
            event_id=event.id,
            defaults={"attempts": attempts, "next_attempt_at": now + verdict.retry_after, "last_error": str(error)},
        )
        return False
    if retry:
        retry.delete()
    return True


# The publish path hands committed event ids to this transport; publishing itself knows no transport.
deliver_after_commit_with(after_commit, when=is_inprocess)
