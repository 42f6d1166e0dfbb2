"""My documents and a document's page: upload, live progress, text by page, notes, narration, delete."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.documents import selectors as documents
from apps.documents import services as document_services
from apps.documents.detection import UploadRejected
from apps.jobs import selectors as jobs
from apps.notes import selectors as notes_selectors
from apps.notes import services as notes_services
from apps.quizzes import selectors as quizzes
from apps.speech import selectors as speech
from apps.speech import services as speech_services
from apps.speech.audio import AudioRejected
from apps.web import presenters
from apps.web.forms import QuizForm
from apps.web.views.common import failed, login_required, owner_of, uploaded

TOO_LARGE = ("file_too_large", "quota_exceeded")


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    rows = documents.document_list_for_owner(owner_id=owner_of(request))
    items = [{"document": d, "percent": presenters.percent(d.pages_done, d.page_count)} for d in rows]
    context = {"items": items, "max_mb": settings.DOCUMENTS_MAX_UPLOAD_BYTES // (1024 * 1024)}
    return render(request, "web/documents/list.html", context)


@login_required
@require_POST
def document_upload(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return failed(request, "Choose a file to upload first.", status=400, to="documents")
    try:
        document_services.check_upload_size(upload.size or 0)
        document = document_services.document_upload(
            owner_id=owner_of(request),
            file=upload,
            file_name=upload.name or "",
            size=upload.size or 0,
            title=str(request.POST.get("title", "")).strip(),
            course=str(request.POST.get("course", "")).strip()[:120],
        )
    except UploadRejected as rejected:
        status = 413 if rejected.code in TOO_LARGE else 400
        return failed(request, rejected.message, status=status, to="documents")
    return uploaded(
        request, pk=document.pk, page="document", message=f"“{document.title}” is uploaded; it is being read now."
    )


def _owned(request: HttpRequest, document_id: int):  # type: ignore[no-untyped-def]
    document = documents.document_get_for_owner(owner_id=owner_of(request), document_id=document_id)
    if document is None:
        raise Http404("No such document.")
    return document


@login_required
@require_GET
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    owner_id = owner_of(request)
    document = _owned(request, document_id)
    notes = notes_selectors.notes_for_document(owner_id=owner_id, document_id=document_id)
    recent = speech.narration_list_for_owner(owner_id=owner_id)[:50]
    context = {
        "document": document,
        "percent": presenters.percent(document.pages_done, document.page_count),
        "pages": documents.page_list(document=document),
        "history": documents.document_history(document=document),
        "jobs": jobs.jobs_for_subject(subject_type="document", subject_id=document_id),
        "notes": notes,
        "narration": next(
            (n for n in recent if notes is not None and n.source_type == "notes" and n.source_id == notes.pk), None
        ),
        "quizzes": quizzes.quiz_list(owner_id=owner_id, document_id=document_id),
        "quiz_form": QuizForm(),
    }
    return render(request, "web/documents/detail.html", context)


@login_required
@require_GET
def document_status(request: HttpRequest, document_id: int) -> JsonResponse:
    """What the live parts of the pages re-read after a push: the document's and its notes' state."""
    document = _owned(request, document_id)
    notes = notes_selectors.notes_for_document(owner_id=owner_of(request), document_id=document_id)
    return JsonResponse(
        {
            "id": document.pk,
            "status": document.status,
            "pages_done": document.pages_done,
            "page_count": document.page_count,
            "percent": presenters.percent(document.pages_done, document.page_count),
            "failure_reason": document.failure_reason,
            "notes_status": notes.status if notes is not None else None,
        }
    )


@login_required
@require_POST
def document_delete(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _owned(request, document_id)
    if not document_services.document_delete(owner_id=owner_of(request), document_id=document_id):
        raise Http404("No such document.")
    messages.success(request, f"“{document.title}” is deleted, with its notes, quizzes and chat index.")
    return redirect("documents")


@login_required
@require_GET
def notes_markdown(request: HttpRequest, document_id: int) -> HttpResponse:
    notes = notes_selectors.notes_for_document(owner_id=owner_of(request), document_id=document_id)
    if notes is None:
        raise Http404("No notes for this document.")
    response = HttpResponse(notes_services.notes_markdown(notes=notes), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="notes-{document_id}.md"'
    return response


@login_required
@require_POST
def notes_regenerate(request: HttpRequest, document_id: int) -> HttpResponse:
    detail = str(request.POST.get("detail", "standard"))
    if detail not in ("short", "standard", "long"):
        detail = "standard"
    try:
        notes_services.notes_request(owner_id=owner_of(request), document_id=document_id, detail=detail)
    except notes_services.NotesUnavailable as error:
        if error.status == 404:
            raise Http404(error.message) from error
        return failed(request, error.message, status=error.status, to="document", document_id=document_id)
    messages.success(request, "New notes are being written; this page updates when they are ready.")
    return redirect("document", document_id=document_id)


@login_required
@require_POST
def notes_listen(request: HttpRequest, document_id: int) -> HttpResponse:
    """Narrates the notes through the speech app's narration of a notes id (summary, key points, glossary)."""
    _owned(request, document_id)
    notes = notes_selectors.notes_for_document(owner_id=owner_of(request), document_id=document_id)
    if notes is None or notes.status != "ready":
        return failed(request, "The notes are not ready yet.", status=409, to="document", document_id=document_id)
    try:
        speech_services.narration_create(owner_id=owner_of(request), notes_id=notes.pk)
    except AudioRejected as rejected:
        return failed(request, rejected.message, status=rejected.status, to="document", document_id=document_id)
    messages.success(request, "The notes are being read aloud; the player appears here when the audio is ready.")
    return redirect(reverse("document", args=[document_id]) + "#listen")
