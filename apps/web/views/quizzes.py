"""Quizzes: create one for a document, take it, see the score and per-question feedback, past attempts."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.documents import selectors as documents
from apps.quizzes import selectors, services
from apps.web.forms import QuizForm
from apps.web.views.common import failed, login_required, owner_of


def _quiz(request: HttpRequest, quiz_id: int):  # type: ignore[no-untyped-def]
    quiz = selectors.quiz_get(owner_id=owner_of(request), quiz_id=quiz_id)
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def _not_found_or_failed(request: HttpRequest, error: services.QuizRejected, *, to: str, **kwargs: int) -> HttpResponse:
    if error.status == 404:
        raise Http404(error.message) from error
    return failed(request, error.message, status=error.status, to=to, **kwargs)


@login_required
@require_POST
def quiz_create(request: HttpRequest, document_id: int) -> HttpResponse:
    form = QuizForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(message) for values in form.errors.values() for message in values)
        return failed(
            request, f"The quiz could not be made: {errors}", status=400, to="document", document_id=document_id
        )
    request_ = services.QuizRequest(
        document_id=document_id,
        question_count=form.cleaned_data["question_count"],
        question_types=list(form.cleaned_data["question_types"]),
    )
    try:
        quiz = services.quiz_request(owner_id=owner_of(request), request=request_)
    except services.QuizRejected as error:
        return _not_found_or_failed(request, error, to="document", document_id=document_id)
    messages.success(request, "Your quiz is being written; this page updates when it is ready.")
    return redirect("quiz", quiz_id=quiz.pk)


@login_required
@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    owner_id = owner_of(request)
    titles = {d.pk: d.title for d in documents.document_list_for_owner(owner_id=owner_id)}
    rows = [
        {"quiz": q, "document_title": titles.get(q.document_id, "")} for q in selectors.quiz_list(owner_id=owner_id)
    ]
    return render(request, "web/quizzes/list.html", {"rows": rows})


@login_required
@require_GET
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = _quiz(request, quiz_id)
    attempts = selectors.attempt_list(owner_id=owner_of(request), quiz_id=quiz_id)
    context = {
        "quiz": quiz,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.status == "in_progress"), None),
        "attempts_left": (quiz.max_attempts - len(attempts)) if quiz.max_attempts else None,
    }
    return render(request, "web/quizzes/detail.html", context)


@login_required
@require_POST
def quiz_take(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """Starts an attempt, or goes back to the one in progress."""
    try:
        attempt, _ = services.attempt_start(owner_id=owner_of(request), quiz_id=quiz_id)
    except services.QuizRejected as error:
        return _not_found_or_failed(request, error, to="quiz", quiz_id=quiz_id)
    return redirect("attempt", attempt_id=attempt.pk)


def _save_and_submit(request: HttpRequest, attempt_id: int, positions: list[int]) -> services.QuizRejected | None:
    owner_id = owner_of(request)
    try:
        for position in positions:
            response = str(request.POST.get(f"q{position}", "")).strip()
            if response:
                services.attempt_answer(owner_id=owner_id, attempt_id=attempt_id, position=position, response=response)
        services.attempt_submit(owner_id=owner_id, attempt_id=attempt_id)
    except services.QuizRejected as error:
        return error
    return None


@login_required
@require_http_methods(["GET", "POST"])
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(owner_id=owner_of(request), attempt_id=attempt_id)
    if attempt is None:
        raise Http404("No such attempt.")
    quiz = _quiz(request, attempt.quiz_id)
    questions = list(selectors.quiz_questions(quiz=quiz))
    if request.method == "POST":
        error = _save_and_submit(request, attempt_id, [q.position for q in questions])
        if error is not None:
            return _not_found_or_failed(request, error, to="attempt", attempt_id=attempt_id)
        return redirect("attempt", attempt_id=attempt_id)
    feedback = selectors.attempt_feedback(quiz=quiz, attempt=attempt) if attempt.status == "submitted" else None
    by_position = {r.position: r for r in feedback or []}
    rows = [
        {"question": q, "result": by_position.get(q.position), "response": attempt.responses.get(str(q.position), "")}
        for q in questions
    ]
    context = {"quiz": quiz, "attempt": attempt, "rows": rows, "reviewable": feedback is not None}
    return render(request, "web/quizzes/attempt.html", context)
