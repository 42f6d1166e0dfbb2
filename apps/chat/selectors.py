"""Reads, always scoped to the requesting learner: another learner's session does not exist for them."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.chat.models import ChatMessage, ChatSession
from apps.core.prepared import PreparedList, PreparedRead


def session_list_for_owner(*, owner_id: int) -> QuerySet[ChatSession]:
    return ChatSession.objects.filter(owner_id=owner_id).order_by("-updated_at", "-id")


_PREPARED_SESSIONS = PreparedRead(session_list_for_owner, values={"owner_id": int}, with_total=True)


def session_list_rows_for_owner(*, owner_id: int) -> PreparedList | QuerySet[ChatSession]:
    """``session_list_for_owner`` for a paginated list: rows read by SQL compiled once per process (ADR 0027),
    or the queryset where the database has no window functions."""
    return _PREPARED_SESSIONS.listed(owner_id=owner_id)


def session_get_for_owner(*, owner_id: int, session_id: int) -> ChatSession | None:
    return ChatSession.objects.filter(owner_id=owner_id, pk=session_id).first()


def message_list(*, session: ChatSession) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(session=session).order_by("id")


def questions_in_last_minute(*, owner_id: int) -> int:
    since = timezone.now() - timedelta(minutes=1)
    return ChatMessage.objects.filter(owner_id=owner_id, role=ChatMessage.Role.USER, created_at__gte=since).count()


def previous_questions(*, session_id: int, before_id: int, limit: int) -> list[str]:
    """The session's questions asked before ``before_id``, newest first, at most ``limit``."""
    return list(
        ChatMessage.objects.filter(session_id=session_id, role=ChatMessage.Role.USER, id__lt=before_id)
        .order_by("-id")
        .values_list("text", flat=True)[:limit]
    )
