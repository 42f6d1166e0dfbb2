"""Prepared reads (apps.core.prepared, ADR 0027) on real PostgreSQL: the compiled SQL's rows hold the ORM's
values (psycopg's datetimes, jsonb) row by row, and another learner's rows never come back."""

from typing import Any

import pytest
from django.db import connection

from apps.documents import selectors
from apps.documents.models import Page
from apps.documents.serializers import DocumentDetailOutput
from tests.unit.core.prepared_helpers import assert_prepared_equals_orm, varied_documents
from tests.unit.core.prepared_hot_reads import assert_hot_reads_equal_the_orm, seed_hot_reads

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_prepared_list_equals_the_orm_on_postgres(user: Any, other_user: Any, auth_client: Any) -> None:
    assert connection.vendor == "postgresql"
    mine = {document.pk for document in varied_documents(user.pk)}
    theirs = {document.pk for document in varied_documents(other_user.pk)}

    assert_prepared_equals_orm(user.pk)
    listed = {row["id"] for row in auth_client.get("/api/v1/documents/", {"page_size": 100}).json()["results"]}
    assert listed
    assert listed <= mine
    assert not listed & theirs
    assert {row.id for row in selectors.document_list_rows_for_owner(owner_id=other_user.pk)} <= theirs


def test_prepared_detail_equals_the_orm_on_postgres(user: Any, other_user: Any, auth_client: Any) -> None:
    document = varied_documents(user.pk)[1]
    Page.objects.create(document=document, number=1, text="t", text_source="ocr", has_tables=True)
    orm_document = selectors.document_get_for_owner(owner_id=user.pk, document_id=document.pk)
    assert orm_document is not None
    context = {"pages": selectors.page_summary(document=orm_document)}

    body = auth_client.get(f"/api/v1/documents/{document.pk}/").json()

    assert body == DocumentDetailOutput(orm_document, context=context).data
    assert (body["table_pages"], body["ocr_pages"]) == ([1], [1])
    assert selectors.document_detail_for_owner(owner_id=other_user.pk, document_id=document.pk) is None


def test_the_hot_reads_equal_the_orm_on_postgres(user: Any, other_user: Any, auth_client: Any, client_for: Any) -> None:
    assert connection.vendor == "postgresql"
    seeded = seed_hot_reads(user, quiz_id=911)
    theirs = seed_hot_reads(other_user, quiz_id=912)

    assert_hot_reads_equal_the_orm(user.pk, seeded, auth_client)
    stranger = client_for(other_user)
    for path in (f"/api/v1/documents/{seeded.document_id}/pages/", f"/api/v1/documents/{seeded.document_id}/notes/"):
        assert stranger.get(path).status_code == 404
    assert stranger.get(f"/api/v1/quizzes/{seeded.quiz_id}/").status_code == 404
    assert stranger.get(f"/api/v1/quizzes/{theirs.quiz_id}/").status_code == 200
