"""Error pages in words a learner understands."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.web.views.common import wants_json

CSRF_MESSAGE = "This form has expired (or your session has). Reload the page and try again."


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: the refused form's page explains what to do, not the mechanism."""
    if wants_json(request) or request.path.startswith("/api/"):
        return JsonResponse({"error": CSRF_MESSAGE}, status=403)
    return render(request, "web/csrf_failure.html", {"message": CSRF_MESSAGE}, status=403)
