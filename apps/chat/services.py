"""Chat use cases: sessions, questions and answers, and keeping the learner's index in step with documents."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import ValidationError

from apps.chat import index, selectors
from apps.chat.answers import Answer, build_answer, build_generated_answer
from apps.chat.models import ChatMessage, ChatSession
from apps.chat.text import fold, terms
from apps.core.locking import lock_for_delete
from apps.documents import selectors as documents
from apps.generation.config import config_from_settings
from apps.generation.providers import Provider, provider_for
from apps.jobs import services as jobs
from eventbus import publish

INDEX_JOB = "chat.index_document"
#: A question with fewer content terms than this is read as a follow-up of the session's previous question...
FOLLOW_UP_MAX_TERMS = 4
#: ... and so is one that opens like a continuation ("And where...", "What about the second one?").
FOLLOW_UP_OPENERS = ("and ", "but ", "also ", "so ", "then ", "what about ", "how about ")
#: How far back a chain of follow-ups reaches for the question they all follow up.
FOLLOW_UP_MAX_TURNS = 3


# -- the index ----------------------------------------------------------------------------------------------
def index_request(*, owner_id: int, document_id: int, idempotency_key: str) -> bool:
    """Creates the indexing job for a processed document (once per key). True if a job was created; False also
    when the document is gone by the time the event arrives (deleted since: nothing to index)."""
    if documents.document_get_for_owner(owner_id=owner_id, document_id=document_id) is None:
        return False
    _, created = jobs.job_create(
        kind=INDEX_JOB,
        owner_id=owner_id,
        payload={"document_id": document_id},
        # Its own subject, not the document's: the document's jobs (extraction, file removal) stay its own.
        subject_type="chat_index",
        subject_id=f"document-{document_id}",
        idempotency_key=idempotency_key,
    )
    return created


def index_build_document(*, owner_id: int, document_id: int) -> int:
    """Indexes the document's chunks (the job's body). A document that is gone or not processed (deleted since
    the event) leaves the index instead. Returns the number of chunks indexed."""
    document = documents.document_get_for_owner(owner_id=owner_id, document_id=document_id)
    chunks = documents.document_chunks(owner_id=owner_id, document_id=document_id) if document else []
    if document is None or not chunks:
        index.index_drop_document(document_id=document_id)
        return 0
    count = index.index_document(
        owner_id=owner_id, document_id=document_id, title=document.title, course=document.course, chunks=chunks
    )
    if documents.document_get_for_owner(owner_id=owner_id, document_id=document_id) is None:
        index.index_drop_document(document_id=document_id)  # deleted while we were embedding
        return 0
    return count


def index_drop_document(*, document_id: int) -> int:
    return index.index_drop_document(document_id=document_id)


@transaction.atomic
def chat_erase_owner(*, owner_id: int) -> None:
    """Erases everything chat holds for a learner: sessions, messages and indexed chunks."""
    sessions = lock_for_delete(ChatSession.objects.filter(owner_id=owner_id))
    ChatMessage.objects.filter(owner_id=owner_id).delete()
    sessions.delete()
    index.index_drop_owner(owner_id=owner_id)


# -- sessions -----------------------------------------------------------------------------------------------
def _check_scope(owner_id: int, document_id: int | None) -> None:
    if document_id is not None and documents.document_get_for_owner(owner_id=owner_id, document_id=document_id) is None:
        raise ValidationError({"document_id": ["No such document."]}, code="not_found")


def session_create(*, owner_id: int, title: str = "", document_id: int | None = None, course: str = "") -> ChatSession:
    _check_scope(owner_id, document_id)
    return ChatSession.objects.create(
        owner_id=owner_id, title=title or "New chat", document_id=document_id, course=course
    )


def session_rename(*, session: ChatSession, title: str) -> ChatSession:
    session.title = title
    session.save(update_fields=["title", "updated_at"])
    return session


@transaction.atomic
def session_delete(*, session: ChatSession) -> None:
    lock_for_delete(ChatSession.objects.filter(pk=session.pk)).delete()


# -- questions and answers ----------------------------------------------------------------------------------
def _announce(message: ChatMessage) -> None:
    payload: dict[str, Any] = {
        "session_id": message.session_id,
        "message_id": message.pk,
        "owner_id": message.owner_id,
        "role": message.role,
    }
    if message.role == ChatMessage.Role.ASSISTANT:
        payload["citation_count"] = len(message.citations)
    publish("chat.message", payload)


@transaction.atomic
def question_store(*, session: ChatSession, text: str) -> ChatMessage:
    message = ChatMessage.objects.create(session=session, owner_id=session.owner_id, role="user", text=text)
    ChatSession.objects.filter(pk=session.pk).update(updated_at=message.created_at)
    _announce(message)
    return message


@dataclass(frozen=True)
class Scope:
    document_id: int | None = None
    course: str | None = None


def is_follow_up(text: str) -> bool:
    """Whether a question leans on the one before it: few content words of its own, or a continuation opener."""
    opening = fold(text).lstrip(" \"'(")
    return len(terms(text)) < FOLLOW_UP_MAX_TERMS or opening.startswith(FOLLOW_UP_OPENERS)


def follow_up_context(*, session: ChatSession, question: ChatMessage) -> str:
    """The earlier questions a follow-up leans on, oldest first, else "": the previous question, and while that
    one was a follow-up too, the one before it (at most FOLLOW_UP_MAX_TURNS back), so "and how old was he?"
    after "where was he educated?" still reaches the question that named him."""
    if not is_follow_up(question.text):
        return ""
    chain: list[str] = []
    for text in selectors.previous_questions(session_id=session.pk, before_id=question.pk, limit=FOLLOW_UP_MAX_TURNS):
        chain.append(text)
        if not is_follow_up(text):
            break
    return " ".join(reversed(chain))


def answer_compute(*, session: ChatSession, question: ChatMessage, scope: Scope | None = None) -> Answer:
    """Retrieval over the learner's own index only, then the extractive answer. Reads only. A follow-up is
    retrieved with the questions it leans on (not only matched against them when the answer is built)."""
    scope = scope or Scope()
    context = follow_up_context(session=session, question=question)
    document_id = scope.document_id if scope.document_id is not None else session.document_id
    passages = index.search(
        owner_id=session.owner_id,
        question=f"{context} {question.text}".strip(),
        document_id=document_id,
        course=scope.course or session.course or None,
        k=settings.CHAT_TOP_PASSAGES,
    )
    provider = answer_provider()
    if provider is not None:
        return build_generated_answer(
            question=question.text,
            passages=passages,
            min_similarity=settings.CHAT_MIN_SIMILARITY,
            provider=provider,
            max_sentences=settings.CHAT_ANSWER_SENTENCES,
            context=context,
        )
    return build_answer(
        question=question.text,
        passages=passages,
        min_similarity=settings.CHAT_MIN_SIMILARITY,
        max_sentences=settings.CHAT_ANSWER_SENTENCES,
        context=context,
    )


def answer_provider() -> Provider | None:
    """The LLM provider that writes answers (CHAT_ANSWER_PROVIDER, else GENERATION_PROVIDER); None: extractive."""
    name = settings.CHAT_ANSWER_PROVIDER or settings.GENERATION_PROVIDER
    return None if name == "offline" else provider_for(config_from_settings(provider=name))


@transaction.atomic
def answer_store(*, session: ChatSession, answer: Answer) -> ChatMessage:
    message = ChatMessage.objects.create(
        session=session,
        owner_id=session.owner_id,
        role=ChatMessage.Role.ASSISTANT,
        text=answer.text,
        citations=answer.citations,
        is_answered=answer.is_answered,
        engine=answer.engine,
    )
    ChatSession.objects.filter(pk=session.pk).update(updated_at=message.created_at)
    _announce(message)
    return message
