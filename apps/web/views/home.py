"""The learner's home (a landing page when signed out) and my progress."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.documents import selectors as documents
from apps.quizzes import selectors as quizzes
from apps.web import presenters
from apps.web.views.common import login_required, owner_of


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    owner_id = owner_of(request)
    context = {
        "documents": documents.document_list_for_owner(owner_id=owner_id)[:5],
        "quizzes": quizzes.quiz_list(owner_id=owner_id).order_by("-created_at")[:5],
    }
    return render(request, "web/home.html", context)


@login_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    owner_id = owner_of(request)
    titles = {d.pk: d.title for d in documents.document_list_for_owner(owner_id=owner_id)}
    studied = [
        {"row": row, "title": titles.get(row.document_id, "(deleted document)")}
        for row in quizzes.progress_list(owner_id=owner_id)
    ]
    scores = quizzes.submitted_scores(owner_id=owner_id)
    chart = presenters.score_chart(scores)
    return render(request, "web/progress.html", {"studied": studied, "chart": chart, "count": len(scores)})
