"""The relay's PostgreSQL fast path renders every forwarded column in the database; it must encode each row
exactly as the portable ORM path (and so as the CloudEvents envelope) does."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from eventbus import publish
from eventbus.models import OutboxEvent
from eventbus.relay import PostgresOutbox, _outgoing, _select_orm, _select_postgresql

pytestmark = pytest.mark.integration


def test_postgresql_fast_path_encodes_rows_exactly_like_the_orm_path(postgres_url: str, db: Any) -> None:
    payload = {"document_id": 7, "owner_id": 1, "media_type": "application/pdf", "size_bytes": 12}
    publish("document.uploaded", payload)
    publish("document.uploaded", {**payload, "document_id": 8})
    # One time with a zero fraction: isoformat() then writes no ".000000", and the SQL must agree.
    OutboxEvent.objects.filter(key="8").update(time=datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC))
    first = OutboxEvent.objects.order_by("id").first()
    assert first is not None
    OutboxEvent.objects.filter(key="7").update(causation_id=first.event_id)

    fast = [_outgoing(*row) for row in _select_postgresql(None, 10, 0)]
    portable = [_outgoing(*row) for row in _select_orm(None, 10, 0)]

    assert len(fast) == 2
    assert fast == portable
    headers = dict(fast[1].headers)
    assert headers["ce_time"] == b"2026-11-25T12:00:00+00:00"
    assert "ce_causationid" in dict(fast[0].headers)


def test_the_relays_own_sessions_read_committed_rows_like_django_and_mark_only_the_given_ids(
    postgres_url: str, transactional_db: Any, settings: Any
) -> None:
    settings.EVENTBUS_TRANSPORT = "kafka"  # rows stay pending for the relay
    payload = {"document_id": 7, "owner_id": 1, "media_type": "application/pdf", "size_bytes": 12}
    for document_id in (7, 8, 9):
        publish("document.uploaded", {**payload, "document_id": document_id})
    through_django = [_outgoing(*row) for row in _select_postgresql(None, 10, 0)]

    shards = settings.EVENTBUS_RELAY_SHARDS

    async def read_then_mark() -> list[Any]:
        outbox = PostgresOutbox()
        try:
            rows = await outbox.pending(set(range(shards)), 10, 0)
            await outbox.mark_sent([rows[0].id, rows[2].id])
            return rows
        finally:
            await outbox.close()

    rows = asyncio.run(read_then_mark())

    assert rows == through_django
    assert list(OutboxEvent.objects.filter(sent_at__isnull=True).values_list("key", flat=True)) == ["8"]
