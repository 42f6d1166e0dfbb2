"""Per-request work done once (ADR 0027's follow-up): the content negotiation remembered per Accept header
(apps.core.negotiation) and the next link without a query string (apps.core.pagination) answer what DRF's
own code answers."""

import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.utils.urls import replace_query_param

from apps.core import negotiation
from apps.core.pagination import DefaultPagination

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html;q=0.2, application/json;q=0.9",
    "application/*",
]


def _request(accept: str | None, query: str = "") -> Request:
    factory = APIRequestFactory()
    path = f"/api/v1/documents/{query}"
    return Request(factory.get(path) if accept is None else factory.get(path, HTTP_ACCEPT=accept))


def _renderers() -> list:
    return [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "query"),
    [(accept, "") for accept in ACCEPTS]
    + [
        ("*/*", "?format=json"),
        ("application/json", "?format=json"),
        (None, "?format=api"),
        ("text/html", "?format=api"),
    ],
)
def test_the_remembered_choice_is_drfs_choice_every_time(accept, query):
    negotiation._chosen.clear()
    expected_renderer, expected_type = DefaultContentNegotiation().select_renderer(
        _request(accept, query), _renderers()
    )
    for _ in range(2):  # the first asks DRF, the second answers from memory
        renderers = _renderers()
        renderer, media_type = negotiation.RememberedNegotiation().select_renderer(_request(accept, query), renderers)
        assert type(renderer) is type(expected_renderer)
        assert renderer in renderers
        assert media_type == expected_type
    assert len(negotiation._chosen) == 1


@pytest.mark.parametrize(
    ("accept", "query", "error"),
    [
        ("image/png", "", exceptions.NotAcceptable),
        ("text/html", "?format=json", exceptions.NotAcceptable),
        ("application/json", "?format=api", exceptions.NotAcceptable),
        ("*/*", "?format=xml", Http404),
    ],
)
def test_what_drf_refuses_is_refused_every_time_and_never_remembered(accept, query, error):
    negotiation._chosen.clear()
    for _ in range(2):
        with pytest.raises(error):
            negotiation.RememberedNegotiation().select_renderer(_request(accept, query), _renderers())
    assert negotiation._chosen == {}


def test_the_memory_is_bounded():
    negotiation._chosen.clear()
    for number in range(negotiation._MAX_ENTRIES + 5):
        negotiation.RememberedNegotiation().select_renderer(_request(f"application/json; v={number}"), _renderers())
    assert len(negotiation._chosen) <= negotiation._MAX_ENTRIES


@pytest.mark.parametrize(
    "path", ["/api/v1/documents/", "/api/v1/documents/7/pages/", "/api/v1/caf\u00e9%20x/", "/api/v1/a;b/"]
)
@pytest.mark.parametrize("query", ["", "page_size=2", "page=1&course=Bio+logy"])
def test_the_next_link_is_drfs(path, query):
    request = Request(APIRequestFactory().get(f"{path}?{query}" if query else path))
    paginator = DefaultPagination()
    paginator.paginate_queryset(list(range(250)), request)
    url = request.build_absolute_uri()

    assert paginator.get_next_link() == replace_query_param(url, "page", 2)
