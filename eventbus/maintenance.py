"""Outbox status and pruning."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from eventbus import metrics
from eventbus.models import DeadLetter, DeliveryRetry, OutboxEvent, ProcessedEvent


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest_pending_at: datetime | None
    failing: int  # pending rows whose last relay or delivery attempt failed
    retrying_deliveries: int
    dead_letters: int
    dead_letters_not_replayed: int
    pending_by_topic: dict[str, int]
    max_attempts: int

    @property
    def oldest_age_seconds(self) -> float:
        return (timezone.now() - self.oldest_pending_at).total_seconds() if self.oldest_pending_at else 0.0


def outbox_status() -> OutboxStatus:
    pending = OutboxEvent.objects.filter(sent_at__isnull=True)
    summary = pending.aggregate(count=Count("id"), oldest=Min("time"), max_attempts=Max("attempts"))
    status = OutboxStatus(
        pending=summary["count"],
        oldest_pending_at=summary["oldest"],
        failing=pending.filter(attempts__gt=0).count(),
        retrying_deliveries=DeliveryRetry.objects.count(),
        dead_letters=DeadLetter.objects.count(),
        dead_letters_not_replayed=DeadLetter.objects.filter(replayed_at__isnull=True).count(),
        pending_by_topic=dict(pending.values_list("topic").annotate(n=Count("id")).values_list("topic", "n")),
        max_attempts=summary["max_attempts"] or 0,
    )
    metrics.OUTBOX_PENDING.set(status.pending)
    metrics.OUTBOX_OLDEST_AGE.set(status.oldest_age_seconds)
    return status


def prune(*, now: datetime | None = None) -> dict[str, int]:
    """Sent outbox rows after EVENTBUS_SENT_RETENTION_DAYS, ledger rows after EVENTBUS_LEDGER_RETENTION_DAYS.

    The ledger must outlive any redelivery: keep it longer than the longest topic retention you replay from.
    """
    now = now or timezone.now()
    sent_before = now - timedelta(days=settings.EVENTBUS_SENT_RETENTION_DAYS)
    ledger_before = now - timedelta(days=settings.EVENTBUS_LEDGER_RETENTION_DAYS)
    outbox_deleted, _ = OutboxEvent.objects.filter(sent_at__lt=sent_before).delete()
    ledger_deleted, _ = ProcessedEvent.objects.filter(processed_at__lt=ledger_before).delete()
    return {"outbox": outbox_deleted, "ledger": ledger_deleted}
