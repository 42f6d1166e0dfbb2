"""Page-number pagination that skips the COUNT(*) query when the first page is not full.

Most learners' lists fit on one page; counting them costs a second query (compiled and run) per request.
When page 1 holds fewer rows than the page size, its length is the count.
"""

from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class ShortFirstPagePaginator(Paginator):
    def page(self, number: Any) -> Page:
        if str(number) != "1":
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return Page(rows, 1, self)


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

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
