"""Page-number pagination that skips the COUNT(*) query when the first page is not full.

Most learners' lists fit on one page; counting them costs a second query (compiled and run) per request.
When page 1 holds fewer rows than the page size, its length is the count.
"""

from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework.pagination import PageNumberPagination


class ShortFirstPagePaginator(Paginator):
    def page(self, number: Any) -> Page:
        if str(number) != "1":
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return Page(rows, 1, self)


class DefaultPagination(PageNumberPagination):
    django_paginator_class = ShortFirstPagePaginator
    page_size_query_param = "page_size"
    max_page_size = 100
