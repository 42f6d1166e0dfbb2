"""Concurrent appends to one document's stream on PostgreSQL (ADR 0030): the projection UPDATE runs first and
takes the row lock, so writers that raced wait or conflict before writing, and retry in their own transaction
without a savepoint; the stream stays contiguous and the projection equals its fold."""

import threading

import pytest
from django.db import connection, transaction

from apps.documents import lifecycle
from apps.documents.models import Document
from tests.factories import UserFactory, make_document

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WRITERS = 4
APPENDS = 10


def test_concurrent_writers_keep_the_stream_contiguous_and_the_projection_its_fold(postgres_url: str) -> None:
    assert connection.vendor == "postgresql"
    document = make_document(owner=UserFactory())
    stale = Document.objects.get(pk=document.pk)  # every writer starts from this copy: all but one conflict
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            barrier.wait()
            for step in range(APPENDS):
                with transaction.atomic():
                    appended = lifecycle.append_with_retry(
                        document.pk,
                        lifecycle.EXTRACTION_PROGRESSED,
                        {"pages_done": number * 100 + step, "page_count": 1000},
                        known=Document.objects.get(pk=stale.pk) if step else stale,
                        attempts=50,
                    )
                    assert appended is not None
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    events = lifecycle.events_of(document.pk)
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))
    progressed = [event.data["pages_done"] for event in events if event.type == lifecycle.EXTRACTION_PROGRESSED]
    assert sorted(progressed) == sorted(n * 100 + s for n in range(WRITERS) for s in range(APPENDS))
    assert lifecycle.state_of(Document.objects.get(pk=document.pk)) == lifecycle.fold(events)
