"""Chat: sessions, history, and a page whose script asks over ``ws/chat/<id>/`` (session cookie sign-in)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import ValidationError

from apps.chat import selectors, services
from apps.documents import selectors as documents
from apps.web.views.common import login_required, owner_of


def _document_choices(owner_id: int) -> list[tuple[int, str]]:
    return [(d.pk, d.title) for d in documents.document_list_for_owner(owner_id=owner_id, status="processed")]


@login_required
@require_GET
def chat_page(request: HttpRequest, session_id: int | None = None) -> HttpResponse:
    owner_id = owner_of(request)
    session = None
    if session_id is not None:
        session = selectors.session_get_for_owner(owner_id=owner_id, session_id=session_id)
        if session is None:
            raise Http404("No such chat.")
    choices = _document_choices(owner_id)
    context = {
        "sessions": selectors.session_list_for_owner(owner_id=owner_id)[:50],
        "session": session,
        "chat_messages": selectors.message_list(session=session) if session is not None else [],
        "documents": choices,
        "scope_title": dict(choices).get(session.document_id) if session and session.document_id else None,
    }
    return render(request, "web/chat/page.html", context)


@login_required
@require_POST
def chat_create(request: HttpRequest) -> HttpResponse:
    owner_id = owner_of(request)
    raw = str(request.POST.get("document_id", "")).strip()
    title = str(request.POST.get("title", "")).strip()[:200]
    try:
        session = services.session_create(
            owner_id=owner_id, title=title, document_id=int(raw) if raw.isdigit() else None
        )
    except ValidationError:
        messages.error(request, "That document is not one of yours; choose another or ask about all of them.")
        return redirect("chat")
    return redirect("chat-session", session_id=session.pk)
