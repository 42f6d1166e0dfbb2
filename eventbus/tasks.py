"""Periodic bus upkeep, fired by celery beat (see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """In-process transport: deliver rows a crash left behind and retries that are due."""
    from eventbus.transports import sweep

    return sweep().delivered


@shared_task(ignore_result=True)
def prune() -> dict[str, int]:
    """Delete sent outbox rows and ledger entries older than their retention."""
    from eventbus.maintenance import prune as prune_now

    return prune_now()
