"""Quiz commands: request, generate (the job), start an attempt, answer, submit, erase.

Each command changes the write model, appends its fact to the quiz event store and projects it into the
read model, in one transaction; what other apps should hear goes out on the event bus in the same one.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.locking import lock_for_delete
from apps.documents import selectors as documents
from apps.generation import Passage, generate_questions
from apps.generation.config import config_from_settings, provider_is_configured
from apps.generation.questions import grade as grade_response
from apps.generation.types import QUESTION_TYPES
from apps.jobs import services as jobs
from apps.jobs.context import JobContext
from apps.jobs.errors import JobFailed
from apps.quizzes import projector
from apps.quizzes.models import Attempt, Question, Quiz, QuizEvent
from eventbus import publish

GENERATE_JOB = "quizzes.generate"
MAX_QUESTIONS = 50


class QuizRejected(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _append(quiz: Quiz, type: str, data: dict[str, Any]) -> QuizEvent:
    event = QuizEvent.objects.create(
        quiz_id=quiz.pk,
        owner_id=quiz.owner_id,
        document_id=quiz.document_id,
        type=type,
        data=data,
        occurred_at=timezone.now(),
    )
    projector.project(event)
    return event


@dataclass(frozen=True)
class QuizRequest:
    document_id: int
    question_count: int
    question_types: list[str]
    difficulty: str = "medium"
    max_attempts: int | None = None
    grading_method: str = "highest"
    review_policy: str = "after_submit"
    provider: str = ""


@transaction.atomic
def quiz_request(*, owner_id: int, request: QuizRequest) -> Quiz:
    """Validates everything before writing anything, then records the quiz and publishes ``quiz.requested``."""
    document = documents.document_info(owner_id=owner_id, document_id=request.document_id)
    if document is None:
        raise QuizRejected("document_not_found", "No such document.", 404)
    if document.status != "processed":
        raise QuizRejected(
            "document_not_ready", f"The document is {document.status}; quizzes need a processed document.", 409
        )
    if request.provider and not provider_is_configured(request.provider):
        raise QuizRejected("provider_not_configured", f"The {request.provider} provider is not configured here.")
    if not 1 <= request.question_count <= MAX_QUESTIONS:
        raise QuizRejected("invalid_question_count", f"Ask for 1 to {MAX_QUESTIONS} questions.")
    types = [t for t in QUESTION_TYPES if t in request.question_types] or list(QUESTION_TYPES)
    max_attempts = settings.QUIZZES_DEFAULT_MAX_ATTEMPTS if request.max_attempts is None else request.max_attempts
    quiz = Quiz.objects.create(
        owner_id=owner_id,
        document_id=document.id,
        title=f"Quiz on {document.title}"[:255],
        question_count=request.question_count,
        question_types=types,
        difficulty=request.difficulty,
        max_attempts=max_attempts,
        grading_method=request.grading_method,
        review_policy=request.review_policy,
        provider=request.provider or settings.GENERATION_PROVIDER,
        created_at=timezone.now(),
    )
    _append(
        quiz,
        projector.QUIZ_REQUESTED,
        {
            "title": quiz.title,
            "question_count": quiz.question_count,
            "question_types": types,
            "difficulty": quiz.difficulty,
            "max_attempts": quiz.max_attempts,
            "grading_method": quiz.grading_method,
            "review_policy": quiz.review_policy,
        },
    )
    publish(
        "quiz.requested",
        {
            "quiz_id": quiz.pk,
            "document_id": quiz.document_id,
            "owner_id": owner_id,
            "question_count": quiz.question_count,
            "question_types": types,
        },
    )
    return quiz


@transaction.atomic
def quiz_start_generation(*, quiz_id: int) -> int | None:
    """On ``quiz.requested``: the generation job, once per quiz."""
    quiz = Quiz.objects.select_for_update().filter(pk=quiz_id, status=Quiz.Status.REQUESTED).first()
    if quiz is None:
        return None
    job, created = jobs.job_create(
        kind=GENERATE_JOB,
        owner_id=quiz.owner_id,
        payload={"quiz_id": quiz.pk},
        subject_type="quiz",
        subject_id=quiz.pk,
        idempotency_key=f"{GENERATE_JOB}:{quiz.pk}",
    )
    if created:
        quiz.job_id = job.id
        quiz.save(update_fields=["job_id"])
        _append(quiz, projector.GENERATION_STARTED, {"job_id": job.id})
    return job.id


def quiz_generate(*, job: JobContext) -> dict[str, Any]:
    """The ``quizzes.generate`` job: questions from the document's chunks, then ``quiz.generated``."""
    quiz = Quiz.objects.filter(pk=job.payload["quiz_id"]).first()
    if quiz is None or quiz.status != Quiz.Status.REQUESTED:
        return {"skipped": "quiz deleted or already generated"}
    chunks = documents.document_chunks(owner_id=quiz.owner_id, document_id=quiz.document_id)
    if not chunks:
        raise JobFailed("document_unavailable", "The document has no text, or is no longer processed.")
    document = documents.document_info(owner_id=quiz.owner_id, document_id=quiz.document_id)
    total = document.page_count if document else None
    result = generate_questions(
        [Passage(c.index, c.page_number, c.char_start, c.char_end, c.text) for c in chunks],
        count=quiz.question_count,
        types=quiz.question_types,
        difficulty=quiz.difficulty,
        config=config_from_settings(provider=quiz.provider),
        page_count=total,
        progress=lambda pages: job.progress(pages, total),
    )
    if not result.questions:
        raise JobFailed("not_enough_text", "The document has too little prose to ask questions about.")
    with transaction.atomic():
        quiz = Quiz.objects.select_for_update().filter(pk=quiz.pk, status=Quiz.Status.REQUESTED).first()
        if quiz is None:
            return {"skipped": "quiz deleted"}
        Question.objects.bulk_create(
            Question(
                quiz=quiz,
                position=position,
                type=q.type,
                stem=q.stem,
                options=q.options,
                answer=q.answer,
                keywords=q.keywords,
                passage=q.passage,
                chunk=q.citation.chunk,
                page=q.citation.page,
            )
            for position, q in enumerate(result.questions, start=1)
        )
        quiz.status, quiz.engine = Quiz.Status.READY, result.engine
        quiz.save(update_fields=["status", "engine"])
        shown = [
            {"position": i, "type": q.type, "stem": q.stem, "options": q.options}
            for i, q in enumerate(result.questions, start=1)
        ]
        _append(quiz, projector.QUIZ_GENERATED, {"engine": result.engine, "questions": shown})
        publish(
            "quiz.generated",
            {
                "quiz_id": quiz.pk,
                "document_id": quiz.document_id,
                "owner_id": quiz.owner_id,
                "question_count": len(shown),
            },
        )
    return {"questions": len(shown), "engine": result.engine}


def quiz_generation_failed(job: jobs.JobInfo) -> None:
    quiz = Quiz.objects.filter(pk=int(job.payload["quiz_id"]), status=Quiz.Status.REQUESTED).first()
    if quiz is None:
        return
    quiz.status, quiz.failure_reason = Quiz.Status.FAILED, job.error[:255]
    quiz.save(update_fields=["status", "failure_reason"])
    _append(quiz, projector.QUIZ_FAILED, {"reason": job.error or job.error_code})
    publish(
        "pipeline.step.failed",
        {
            "step": "quiz",
            "subject_type": "quiz",
            "subject_id": quiz.pk,
            "owner_id": quiz.owner_id,
            "reason": job.error_code or "failed",
            "attempts": job.attempts,
        },
    )


# -- attempts ------------------------------------------------------------------------------------------------


def _owned_quiz(owner_id: int, quiz_id: int) -> Quiz:
    quiz = Quiz.objects.select_for_update().filter(pk=quiz_id, owner_id=owner_id).first()
    if quiz is None:
        raise QuizRejected("not_found", "No such quiz.", 404)
    return quiz


def _owned_attempt(owner_id: int, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update().select_related("quiz").filter(pk=attempt_id, owner_id=owner_id).first()
    )
    if attempt is None:
        raise QuizRejected("not_found", "No such attempt.", 404)
    return attempt


@transaction.atomic
def attempt_start(*, owner_id: int, quiz_id: int) -> tuple[Attempt, bool]:
    """A new attempt, or the one still in progress (``created`` False). Refused past the attempt limit."""
    quiz = _owned_quiz(owner_id, quiz_id)
    if quiz.status != Quiz.Status.READY:
        raise QuizRejected("quiz_not_ready", f"The quiz is {quiz.status}.", 409)
    open_attempt = quiz.attempts.filter(status=Attempt.Status.IN_PROGRESS).first()
    if open_attempt is not None:
        return open_attempt, False
    used = quiz.attempts.count()
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise QuizRejected("no_attempts_left", f"All {quiz.max_attempts} attempts are used.", 409)
    attempt = Attempt.objects.create(quiz=quiz, owner_id=owner_id, number=used + 1, started_at=timezone.now())
    _append(quiz, projector.ATTEMPT_STARTED, {"attempt_id": attempt.pk, "number": attempt.number})
    return attempt, True


@transaction.atomic
def attempt_answer(*, owner_id: int, attempt_id: int, position: int, response: str) -> Attempt:
    attempt = _owned_attempt(owner_id, attempt_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise QuizRejected("attempt_submitted", "This attempt is already submitted.", 409)
    question = attempt.quiz.questions.filter(position=position).first()
    if question is None:
        raise QuizRejected("invalid_position", f"The quiz has no question {position}.")
    if question.options and response not in question.options:
        raise QuizRejected("invalid_response", "Choose one of the question's options.")
    attempt.responses = {**attempt.responses, str(position): response}
    attempt.save(update_fields=["responses"])
    _append(
        attempt.quiz, projector.ATTEMPT_ANSWERED, {"attempt_id": attempt.pk, "position": position, "response": response}
    )
    return attempt


@transaction.atomic
def attempt_submit(*, owner_id: int, attempt_id: int) -> Attempt:
    """Grades every question (unanswered ones are wrong) and publishes ``quiz.attempt.submitted``."""
    attempt = _owned_attempt(owner_id, attempt_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise QuizRejected("attempt_submitted", "This attempt is already submitted.", 409)
    results = []
    for question in attempt.quiz.questions.order_by("position"):
        response = attempt.responses.get(str(question.position), "")
        correct = bool(response) and grade_response(question.type, question.answer, question.keywords, response)
        results.append(
            {
                "position": question.position,
                "response": response,
                "is_correct": correct,
                "correct_answer": question.answer,
                "passage": question.passage,
                "page": question.page,
                "chunk": question.chunk,
            }
        )
    attempt.score = round(sum(r["is_correct"] for r in results) / len(results), 6) if results else 0.0
    attempt.status, attempt.submitted_at = Attempt.Status.SUBMITTED, timezone.now()
    attempt.save(update_fields=["score", "status", "submitted_at"])
    _append(
        attempt.quiz,
        projector.ATTEMPT_SUBMITTED,
        {"attempt_id": attempt.pk, "score": attempt.score, "results": results},
    )
    publish(
        "quiz.attempt.submitted",
        {"attempt_id": attempt.pk, "quiz_id": attempt.quiz_id, "owner_id": owner_id, "score": attempt.score},
    )
    return attempt


# -- erasure and rebuild -------------------------------------------------------------------------------------


@transaction.atomic
def quizzes_erase(*, owner_id: int, document_id: int | None = None) -> int:
    """Write model, event store and read model of a learner's quizzes (of one document, if given)."""
    quizzes = Quiz.objects.filter(owner_id=owner_id)
    if document_id is not None:
        quizzes = quizzes.filter(document_id=document_id)
    lock_for_delete(quizzes)
    events = QuizEvent.objects.filter(owner_id=owner_id)
    if document_id is not None:
        events = events.filter(document_id=document_id)
    quiz_ids = list(events.values_list("quiz_id", flat=True).distinct())
    document_ids = set(events.values_list("document_id", flat=True))
    projector.erase(quiz_ids=quiz_ids, owner_id=owner_id, document_ids=document_ids)
    events.delete()
    deleted, _ = quizzes.delete()
    return deleted


def quizzes_erase_document(*, document_id: int) -> int:
    owners = set(Quiz.objects.filter(document_id=document_id).values_list("owner_id", flat=True))
    return sum(quizzes_erase(owner_id=owner, document_id=document_id) for owner in owners)


def read_models_rebuild() -> int:
    return projector.rebuild()
