"""Shared by the unit (SQLite) and integration (PostgreSQL) tests of prepared reads (apps.core.prepared)."""

import datetime as dt

from django.utils import timezone

from apps.core.prepared import PreparedList
from apps.documents import selectors
from apps.documents import services as document_services
from apps.documents.models import Document
from apps.documents.serializers import DocumentOutput

SHAPES = [{}, {"course": "Biology"}, {"status": "failed"}, {"course": "Biology", "status": "processed"}]


def varied_documents(owner_id: int) -> list[Document]:
    """Documents of one learner whose columns differ in every way the list shows: courses, tags (JSON), statuses,
    nulls, datetimes with microseconds; one deleted (never listed)."""
    made = []
    for number in range(7):
        made.append(
            document_services.document_create_from_text(
                owner_id=owner_id,
                title=f"Notes {number} \u00e9t\u00e9",
                text="Mitochondria make ATP. " * 5,
                source_kind="text",
                course="Biology" if number % 2 else "Chemistry",
                tags=[f"tag{number}", "\u00fcber"] if number % 3 else [],
            )
        )
    moment = timezone.now().replace(microsecond=123456)
    Document.objects.filter(pk=made[1].pk).update(
        status=Document.Status.PROCESSED, processed_at=moment, page_count=3, chunk_count=4, extraction_job_id=77
    )
    Document.objects.filter(pk=made[2].pk).update(
        status=Document.Status.FAILED, failure_code="unreadable", failure_reason="no text\nat all"
    )
    Document.objects.filter(pk=made[3].pk).update(
        status=Document.Status.PROCESSED, processed_at=moment + dt.timedelta(days=400, microseconds=1)
    )
    Document.objects.filter(pk=made[4].pk).update(status=Document.Status.DELETED, deleted_at=moment)
    return made


def _orm_fields() -> list[str]:
    return [field.attname for field in Document._meta.concrete_fields]


def assert_prepared_equals_orm(owner_id: int) -> None:
    """Every shape, every page size: the prepared rows hold the ORM instances' values, in the same order, with
    the same total, and serialize to the same JSON."""
    for filters in SHAPES:
        documents = list(selectors.document_list_for_owner(owner_id=owner_id, **filters))
        assert documents, f"the seed has no document for {filters}"
        prepared = selectors.document_list_rows_for_owner(owner_id=owner_id, **filters)
        assert isinstance(prepared, PreparedList)
        for size in (1, 2, 50):
            for offset in range(0, len(documents), size):
                rows, total = prepared.page(limit=size, offset=offset)
                expected = documents[offset : offset + size]
                assert total == len(documents)
                assert [row.id for row in rows] == [document.pk for document in expected]
                for row, document in zip(rows, expected, strict=True):
                    for name in _orm_fields():
                        assert getattr(row, name) == getattr(document, name), (filters, name)
                        assert type(getattr(row, name)) is type(getattr(document, name)), (filters, name)
                assert DocumentOutput(rows, many=True).data == DocumentOutput(expected, many=True).data
        assert prepared.page(limit=5, offset=len(documents)) == ([], None)
