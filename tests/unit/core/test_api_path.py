"""The per-request savings on the API path keep their behaviour: the sliding-window throttle, the paginator
that skips COUNT(*) on a short first page, the JWT authentication caches, and the compiled output serializers."""

import datetime as dt
import time
from typing import Any

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts import authentication
from apps.core.pagination import ShortFirstPagePaginator
from apps.core.ratelimit import SlidingWindowThrottle
from apps.documents import selectors
from apps.documents import services as document_services
from apps.documents.models import Document, Page
from apps.documents.serializers import DocumentDetailOutput, DocumentOutput, PageOutput

pytestmark = pytest.mark.django_db
DOCUMENTS = "/api/v1/documents/"


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Throttle(SlidingWindowThrottle):
    rate = "3/min"
    scope = "test"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return "throttle_test_key"


def _throttle(clock: _Clock) -> _Throttle:
    throttle = _Throttle()
    throttle.timer = clock
    return throttle


def test_sliding_window_allows_the_rate_then_refuses_with_a_wait():
    clock = _Clock(6000.0)  # the start of a minute window
    allowed = [_throttle(clock).allow_request(None, None) for _ in range(3)]
    refused = _throttle(clock)

    assert allowed == [True, True, True]
    assert refused.allow_request(None, None) is False
    assert 1 <= (refused.wait() or 0) <= 60


def test_sliding_window_weighs_the_previous_window_by_its_overlap():
    clock = _Clock(6000.0)
    for _ in range(3):
        _throttle(clock).allow_request(None, None)
    clock.now = 6060.0 + 15  # a quarter into the next window: 3 * 0.75 = 2.25 of the old requests still count
    assert _throttle(clock).allow_request(None, None) is False  # 2.25 + 1 > 3
    clock.now = 6060.0 + 45  # three quarters in: 3 * 0.25 + 2 (this one and the refused one) = 2.75 <= 3
    assert _throttle(clock).allow_request(None, None) is True


def _documents(owner_id: int, count: int) -> None:
    for number in range(count):
        document_services.document_create_from_text(
            owner_id=owner_id, title=f"Notes {number}", text="Mitochondria make ATP. " * 20, source_kind="text"
        )


def _capture() -> CaptureQueriesContext:
    """Captured queries, with the connection's log emptied first: the log is a deque of 9,000 entries, and
    once it is full (migrations under DEBUG) a capture's start and end indexes are equal and it sees nothing."""
    reset_queries()
    return CaptureQueriesContext(connection)


def _document_selects(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "documents_document"' in q["sql"]]


def test_a_page_and_its_total_are_one_query(user, auth_client):
    _documents(user.pk, 3)
    with _capture() as queries:
        body = auth_client.get(DOCUMENTS).json()

    assert body["count"] == 3
    assert len(body["results"]) == 3
    assert len(_document_selects(queries)) == 1


@pytest.mark.parametrize("page", [1, 2], ids=["first page", "last page"])
def test_a_full_list_is_counted_in_the_same_query_as_its_page(user, auth_client, page):
    _documents(user.pk, 3)
    with _capture() as queries:
        body = auth_client.get(DOCUMENTS, {"page_size": 2, "page": page}).json()
    selects = _document_selects(queries)

    assert body["count"] == 3
    assert len(body["results"]) == (2 if page == 1 else 1)
    assert (body["next"] is not None, body["previous"] is not None) == (page == 1, page == 2)
    assert len(selects) == 1
    assert "OVER" in selects[0]


def test_a_page_past_the_end_is_not_found(user, auth_client):
    _documents(user.pk, 3)
    response = auth_client.get(DOCUMENTS, {"page_size": 2, "page": 3})

    assert response.status_code == 404


@pytest.mark.parametrize("path", [DOCUMENTS, "/api/v1/quizzes/"], ids=["prepared list", "queryset list"])
def test_a_page_number_past_any_offset_the_database_takes_is_not_found(user, auth_client, path):
    """Found by the schema fuzzer: page 4000004194678914048 of 100 overflowed SQLite's 64-bit OFFSET (a 500)."""
    _documents(user.pk, 3)
    response = auth_client.get(path, {"page_size": 100, "page": 4000004194678914048})

    assert response.status_code == 404


def test_a_queryset_a_window_cannot_join_is_counted_apart(user):
    _documents(user.pk, 3)
    distinct = Document.objects.filter(owner_id=user.pk).order_by("id").distinct()
    paginator = ShortFirstPagePaginator(distinct, 2)
    with _capture() as queries:
        page = paginator.page(1)
        count = paginator.count

    assert (len(page.object_list), count) == (2, 3)
    assert sum("COUNT(" in q["sql"] and "OVER" not in q["sql"] for q in queries.captured_queries) == 1


def test_an_empty_list_has_count_zero(auth_client):
    assert auth_client.get(DOCUMENTS).json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.fixture
def user_cache():
    authentication._tokens.clear()
    yield
    authentication._tokens.clear()


def test_a_remembered_token_is_refused_once_it_expires(user, user_cache):
    APIClient().get(DOCUMENTS)  # loads the URLconf and middleware first: on a busy machine that alone takes ~1 s
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=dt.timedelta(seconds=2))  # whole seconds, rounded down: 1-2 s from now
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(DOCUMENTS).status_code == 200
    assert len(authentication._tokens) == 1

    time.sleep(max(0.0, token["exp"] - time.time()) + 0.1)
    response = client.get(DOCUMENTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


class _DrfDocument(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = DocumentOutput.Meta.fields


class _DrfPage(serializers.ModelSerializer):
    page_number = serializers.IntegerField(source="number")
    tables = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField(allow_blank=True)))
    )

    class Meta:
        model = Page
        fields = PageOutput.Meta.fields


@pytest.mark.parametrize("processed", [True, False], ids=["processed", "uploaded-only"])
def test_fast_output_equals_drf_output(user, processed):
    _documents(user.pk, 1)
    document = Document.objects.get(owner_id=user.pk)
    if not processed:
        document.processed_at = None
        document.page_count = None
    assert DocumentOutput._plan() is not None
    assert DocumentOutput(document).data == _DrfDocument(document).data
    for page in Page.objects.filter(document=document):
        assert PageOutput(page).data == _DrfPage(page).data


class _DrfDocumentDetail(_DrfDocument):
    table_pages = serializers.SerializerMethodField()
    ocr_pages = serializers.SerializerMethodField()
    ocr_limit_pages = serializers.SerializerMethodField()

    class Meta(_DrfDocument.Meta):
        fields = DocumentDetailOutput.Meta.fields

    def get_table_pages(self, document: Document) -> list[int]:
        return list(self.context["pages"].table_pages)

    def get_ocr_pages(self, document: Document) -> list[int]:
        return list(self.context["pages"].ocr_pages)

    def get_ocr_limit_pages(self, document: Document) -> list[int]:
        return list(self.context["pages"].ocr_limit_pages)


def test_fast_output_calls_method_fields_like_drf(user):
    _documents(user.pk, 1)
    document = Document.objects.get(owner_id=user.pk)
    context = {"pages": selectors.page_summary(document=document)}

    assert DocumentDetailOutput._plan() is not None
    assert DocumentDetailOutput(document, context=context).data == _DrfDocumentDetail(document, context=context).data
