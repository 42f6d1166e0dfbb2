"""The relay's PostgreSQL fast path renders every forwarded column in the database; it must encode each row
exactly as the portable ORM path (and so as the CloudEvents envelope) does."""

from datetime import UTC, datetime
from typing import Any

import pytest

from eventbus import publish
from eventbus.models import OutboxEvent
from eventbus.relay import _outgoing, _select_orm, _select_postgresql

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
