"""What every page view shares: the signed-in learner's id and how an error reaches the learner."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

__all__ = ["failed", "login_required", "owner_of", "uploaded", "wants_json"]


def owner_of(request: HttpRequest) -> int:
    """The signed-in learner's id (pages behind ``login_required`` only)."""
    return int(request.user.pk)  # type: ignore[arg-type]


def wants_json(request: HttpRequest) -> bool:
    """A script's request (upload with progress) rather than a plain form post."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def failed(request: HttpRequest, message: str, *, status: int, to: str, **kwargs: Any) -> HttpResponse:
    """Tells the learner in words what went wrong: as JSON to a script, as a flash message after a redirect."""
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect(to, **kwargs)


def uploaded(request: HttpRequest, *, pk: int, page: str, message: str) -> HttpResponse:
    """An accepted upload: its page's address as JSON to the upload script, or a redirect there with ``message``."""
    url = reverse(page, args=[pk])
    if wants_json(request):
        return JsonResponse({"id": pk, "url": url}, status=201)
    messages.success(request, message)
    return redirect(url)
