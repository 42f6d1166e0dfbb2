"""Row locks taken before a bulk delete.

Django's ``QuerySet.delete()`` collects a row's children (pages, chunks, messages, questions) and deletes them
before the parent rows. Under READ COMMITTED a job that commits a new child in between (a batch of chunks, an
answer, a question) leaves the parent's DELETE failing on its foreign key. Locking the parent rows first closes
that gap: a writer that holds the parent row (an extraction batch updates its document before writing chunks)
makes the delete wait and then collects its rows; a writer that commits later waits for the delete (Django's
foreign keys are checked at commit, which locks the parent ``FOR KEY SHARE``) and fails on the missing parent,
as a write to a deleted row should. SQLite serializes writers anyway and ignores the lock.
"""

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock_for_delete(queryset: "models.QuerySet[M]") -> "models.QuerySet[M]":
    """Locks the rows of ``queryset`` (in primary-key order, so two deleters cannot deadlock) inside the caller's
    transaction and returns the queryset to delete."""
    list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True))
    return queryset
