"""The publish path writes the payload as JSON text (encoded once) rather than through the ORM's ``Jsonb``
adapter: PostgreSQL must store exactly the jsonb value the ORM stores for the same payload."""

from typing import Any

import pytest
from django.db import connection

from eventbus import publish
from eventbus.models import OutboxEvent

pytestmark = pytest.mark.integration


def test_the_payload_is_stored_as_the_jsonb_object_the_orm_would_store(postgres_url: str, db: Any) -> None:
    payload = {"quiz_id": 1, "document_id": 2, "owner_id": 3, "question_count": 4, "question_types": ["a", "é"]}
    published = publish("quiz.requested", payload)
    orm = OutboxEvent.objects.create(
        topic="quiz.requested",
        key="3",
        shard=0,
        type="t",
        source="s",
        time=OutboxEvent.objects.get().time,
        correlation_id=published,
        schema_version="1.0",
        payload=payload,
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT jsonb_typeof(payload), payload::text FROM eventbus_outboxevent ORDER BY id",
        )
        (ours_type, ours_text), (orm_type, orm_text) = cursor.fetchall()

    assert (ours_type, ours_text) == (orm_type, orm_text) == ("object", orm_text)
    assert OutboxEvent.objects.get(event_id=published).payload == OutboxEvent.objects.get(pk=orm.pk).payload == payload
