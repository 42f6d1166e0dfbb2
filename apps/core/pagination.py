"""Page-number pagination that reads a page and the total in one query.

DRF's page-number pagination runs ``COUNT(*)`` and then the page's ``SELECT``: two queries to compile and
run per request, the largest part of a list request's CPU. Here the page's rows carry the total as a window
function (``COUNT(*) OVER ()``, computed before ``LIMIT``/``OFFSET``), so a page costs one query and the
envelope (``count``, ``next``, ``previous``, ``results``) is unchanged. Querysets a window cannot be added
to (``distinct()``, aggregates, unions, ``values()``), lists that are not querysets, and a page past the end
keep the two-query path; a short first page is counted by its length. A ``PreparedList``
(``apps.core.prepared``, ADR 0027) reads its page and total the same way, from SQL compiled once.
"""

from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from apps.core.prepared import PreparedList

TOTAL_ANNOTATION = "_pagination_total"
#: Largest offset read with the page's own query; beyond it the page is found by counting first.
MAX_OFFSET = 2**31


def _takes_a_window(object_list: Any) -> bool:
    if not isinstance(object_list, QuerySet) or object_list._iterable_class is not ModelIterable:
        return False
    query = object_list.query
    if query.distinct or query.combinator or query.group_by is not None or query.is_sliced:
        return False
    return bool(connections[object_list.db].features.supports_over_clause)


class ShortFirstPagePaginator(Paginator):
    def page(self, number: Any) -> Page:
        try:
            index = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # DRF turns the paginator's error into a 404
        if index < 1 or (index - 1) * self.per_page > MAX_OFFSET:
            # An offset past any real list (and past a 64-bit integer, which the databases refuse with an
            # error) is answered by counting: EmptyPage, a 404.
            return super().page(number)
        if isinstance(self.object_list, PreparedList):
            return self._prepared_page(index, self.object_list)
        if _takes_a_window(self.object_list):
            return self._page_with_total(index)
        if index != 1:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return Page(rows, 1, self)

    def _prepared_page(self, index: int, prepared: PreparedList) -> Page:
        rows, total = prepared.page(limit=self.per_page, offset=(index - 1) * self.per_page)
        if total is not None:
            self.__dict__["count"] = total
            return Page(rows, index, self)
        if index == 1:
            self.__dict__["count"] = 0
            return Page(rows, 1, self)
        return super().page(index)  # past the end: counts, and raises EmptyPage (a 404)

    def _page_with_total(self, index: int) -> Page:
        bottom = (index - 1) * self.per_page
        counted = cast(QuerySet[Any], self.object_list).annotate(**{TOTAL_ANNOTATION: Window(Count("pk"))})
        rows = list(counted[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], TOTAL_ANNOTATION)
            return Page(rows, index, self)
        if index == 1:
            self.__dict__["count"] = 0
            return Page(rows, 1, self)
        return super().page(index)  # past the end: counts, and raises EmptyPage (a 404)


class DefaultPagination(PageNumberPagination):
    """Page-number pagination whose ``page_size`` is checked (DRF's silently falls back on a bad one), and
    whose first page, when it is not full, is counted by its length."""

    django_paginator_class = ShortFirstPagePaginator
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return int(self.page_size or 0)
        message = f"A whole number from 1 to {self.max_page_size}."
        try:
            size = int(raw)
        except ValueError as exc:
            raise ValidationError({self.page_size_query_param: [message]}) from exc
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_next_link(self) -> str | None:
        """DRF's link; without a query string it is the absolute URL and ``?page=N`` (what DRF's
        ``replace_query_param`` makes of it, without splitting, parsing and encoding the URL again)."""
        request = self.request
        if request is None or not self.page or not self.page.has_next() or request.META.get("QUERY_STRING"):
            return super().get_next_link()
        return f"{request.build_absolute_uri()}?{self.page_query_param}={self.page.next_page_number()}"

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
