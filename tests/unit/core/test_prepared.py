"""Prepared reads (apps.core.prepared, ADR 0027): SQL compiled once, rows equal to the ORM's, learner scoping,
filters and the pagination envelope unchanged."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.prepared import PreparedList, PreparedRead
from apps.documents import selectors
from apps.documents.models import Document, Page
from apps.documents.serializers import DocumentDetailOutput, DocumentOutput
from tests.unit.core.prepared_helpers import assert_prepared_equals_orm, varied_documents

pytestmark = pytest.mark.django_db
DOCUMENTS = "/api/v1/documents/"


def test_prepared_rows_equal_the_orm_instances_row_by_row(user, other_user):
    varied_documents(user.pk)
    varied_documents(other_user.pk)
    assert_prepared_equals_orm(user.pk)


def test_another_learners_documents_are_never_listed(user, other_user, auth_client):
    mine = {document.pk for document in varied_documents(user.pk)}
    theirs = {document.pk for document in varied_documents(other_user.pk)}
    listed = {row["id"] for row in auth_client.get(DOCUMENTS, {"page_size": 100}).json()["results"]}
    for course in ("Biology", "Chemistry"):
        body = auth_client.get(DOCUMENTS, {"course": course, "page_size": 100}).json()
        listed |= {row["id"] for row in body["results"]}

    assert listed
    assert listed <= mine
    assert not listed & theirs
    assert {row.id for row in selectors.document_list_rows_for_owner(owner_id=other_user.pk)} <= theirs


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"course": "Biology"},
        {"status": "processed"},
        {"course": "Chemistry", "status": "uploaded"},
        {"page_size": 2},
    ],
)
def test_the_list_answers_what_the_orm_and_drf_would(user, other_user, auth_client, query):
    varied_documents(user.pk)
    varied_documents(other_user.pk)
    filters = {key: value for key, value in query.items() if key != "page_size"}
    documents = list(selectors.document_list_for_owner(owner_id=user.pk, **filters))
    size = int(query.get("page_size", 20))

    body = auth_client.get(DOCUMENTS, query).json()

    assert body["count"] == len(documents)
    assert body["results"] == DocumentOutput(documents[:size], many=True).data
    assert (body["next"] is not None) == (len(documents) > size)
    assert body["previous"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "nope"}, "status"), ({"course": "a\x00b"}, "course"), ({"course": "x" * 121}, "course")],
)
def test_a_bad_filter_is_a_400_as_before(auth_client, query, field):
    response = auth_client.get(DOCUMENTS, query)

    assert response.status_code == 400
    assert field in str(response.json())


def test_the_sql_is_compiled_once_and_run_with_each_requests_values(user, other_user):
    varied_documents(user.pk)
    varied_documents(other_user.pk)
    read = PreparedRead(selectors.document_list_for_owner, values={"owner_id": int}, with_total=True)
    with CaptureQueriesContext(connection) as queries:
        mine = read.page(limit=50, offset=0, owner_id=user.pk)
        theirs = read.page(limit=50, offset=0, owner_id=other_user.pk)

    assert len(read._compiled) == 1
    assert queries.captured_queries[0]["sql"].count("OVER") == 1
    assert mine[1] == theirs[1] == 6
    assert not {row.id for row in mine[0]} & {row.id for row in theirs[0]}


def test_a_value_the_orm_does_not_keep_as_a_parameter_is_refused():
    def by_title(*, title: Any) -> Any:
        return Document.objects.filter(title__icontains=title)  # the parameter becomes %title%

    with pytest.raises(ValueError, match="not kept as parameters"):
        PreparedRead(by_title, values={"title": str}).rows(title="x")


def test_a_prepared_list_slices_and_counts_like_the_queryset(user):
    varied_documents(user.pk)
    documents = list(selectors.document_list_for_owner(owner_id=user.pk))
    prepared = selectors.document_list_rows_for_owner(owner_id=user.pk)

    assert isinstance(prepared, PreparedList)
    assert len(prepared) == len(documents)
    assert [row.id for row in prepared[1:3]] == [document.pk for document in documents[1:3]]
    assert prepared[0].id == documents[0].pk
    assert [row.id for row in prepared] == [document.pk for document in documents]
    assert not hasattr(prepared[0], "_prepared_total")


def test_the_detail_answers_what_the_orm_and_drf_would(user, other_user, auth_client, client_for):
    document = varied_documents(user.pk)[1]
    pages = [(1, "text", True), (2, "ocr", False), (3, "ocr_limit", False), (4, "text", False)]
    for number, source, has_tables in pages:
        Page.objects.create(document=document, number=number, text="t", text_source=source, has_tables=has_tables)
    expected_document = selectors.document_get_for_owner(owner_id=user.pk, document_id=document.pk)
    assert expected_document is not None
    context = {"pages": selectors.page_summary(document=expected_document)}
    expected = DocumentDetailOutput(expected_document, context=context).data

    body = auth_client.get(f"{DOCUMENTS}{document.pk}/").json()

    assert body == expected
    assert (body["table_pages"], body["ocr_pages"], body["ocr_limit_pages"]) == ([1], [2], [3])
    assert client_for(other_user).get(f"{DOCUMENTS}{document.pk}/").status_code == 404
    deleted = varied_documents(user.pk)[4]
    assert auth_client.get(f"{DOCUMENTS}{deleted.pk}/").status_code == 404


def test_an_id_past_64_bits_is_not_found_as_with_the_orm(auth_client):
    assert auth_client.get(f"{DOCUMENTS}{2**70}/").status_code == 404
    assert selectors.document_detail_for_owner(owner_id=1, document_id=-(2**64)) is None


@pytest.mark.django_db
def test_a_list_falls_back_to_the_selectors_queryset_without_window_functions(user, monkeypatch):
    varied_documents(user.pk)
    assert isinstance(selectors.document_list_rows_for_owner(owner_id=user.pk, status="processed"), PreparedList)

    monkeypatch.setattr(connection.features, "supports_over_clause", False)
    listed = selectors.document_list_rows_for_owner(owner_id=user.pk, status="processed")

    assert not isinstance(listed, PreparedList)
    assert list(listed) == list(selectors.document_list_for_owner(owner_id=user.pk, status="processed"))
