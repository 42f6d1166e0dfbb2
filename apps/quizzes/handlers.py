"""Quizzes on the bus. Idempotent: one generation job per quiz (idempotency key), erasure deletes what exists."""

from apps.quizzes import services
from eventbus import Event, subscribe


@subscribe("quiz.requested", group="quizzes")
def on_quiz_requested(event: Event) -> None:
    services.quiz_start_generation(quiz_id=int(event.payload["quiz_id"]))


@subscribe("document.deleted", group="quizzes")
def on_document_deleted(event: Event) -> None:
    services.quizzes_erase_document(document_id=int(event.payload["document_id"]))


@subscribe("user.deleted", group="quizzes")
def on_user_deleted(event: Event) -> None:
    services.quizzes_erase(owner_id=int(event.payload["user_id"]))
