"""``/ws/chat/<session id>/``: questions in, answers streamed out (protocol: docs/chat.md).

Sign-in is the realtime app's (bearer subprotocol, first ``auth`` message, or session cookie with its Origin
checked). A learner opens only their own sessions: another's closes with 4404, as if it did not exist.
"""

import asyncio
import json
import logging
import time
from typing import Any

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings

from apps.chat import selectors, services
from apps.chat.models import ChatSession
from apps.realtime.auth import AuthenticatedJsonWebsocketConsumer

logger = logging.getLogger(__name__)
NOT_FOUND = 4404
IDLE = 4408


@database_sync_to_async
def _session(owner_id: int, session_id: int) -> ChatSession | None:
    return selectors.session_get_for_owner(owner_id=owner_id, session_id=session_id)


@database_sync_to_async
def _questions_in_last_minute(owner_id: int) -> int:
    return selectors.questions_in_last_minute(owner_id=owner_id)


@database_sync_to_async
def _scope_allowed(owner_id: int, document_id: int | None) -> bool:
    from apps.documents.selectors import document_get_for_owner

    return document_id is None or document_get_for_owner(owner_id=owner_id, document_id=document_id) is not None


_question_store = database_sync_to_async(services.question_store)
#: Retrieval and the answer are CPU work that releases the GIL (onnxruntime, numpy): they run in the thread pool,
#: not in the one thread Channels gives database calls, so concurrent questions do not queue behind each other.
_answer_compute = DatabaseSyncToAsync(services.answer_compute, thread_sensitive=False)
_answer_store = database_sync_to_async(services.answer_store)


class ChatConsumer(AuthenticatedJsonWebsocketConsumer):
    session: ChatSession | None = None
    _last_activity: float = 0.0
    _idle: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._last_activity = time.monotonic()
        self._idle = asyncio.create_task(self._watch_idle())
        await super().connect()

    async def on_authenticated(self) -> None:
        assert self.user_id is not None
        self.session = await _session(self.user_id, int(self.scope["url_route"]["kwargs"]["session_id"]))
        if self.session is None:
            await self._error("not_found", "No such chat session.")
            await self.close(code=NOT_FOUND)
            return
        await self.send_json({"event": "connected", "data": {"session_id": self.session.pk}})

    async def on_disconnected(self, code: int) -> None:
        if self._idle is not None and self._idle is not asyncio.current_task():
            self._idle.cancel()

    # -- frames ---------------------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Any frame counts as activity; one that is not a JSON text frame gets an error frame, not a crash."""
        self._last_activity = time.monotonic()
        if text_data is None:
            await self._error("malformed", "Send JSON text frames.")
            return
        if len(text_data) > settings.CHAT_MAX_MESSAGE_CHARS * 2 + 1024:
            await self._error("too_long", f"A question has at most {settings.CHAT_MAX_MESSAGE_CHARS} characters.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("malformed", "The frame is not valid JSON.")
            return
        await self.receive_json(content)

    async def receive_authenticated(self, content: Any) -> None:
        if self.session is None:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"event": "pong"})
        elif kind == "question":
            await self._question(content)
        else:
            await self._error("malformed", 'Expected {"type": "question", "text": "..."} or {"type": "ping"}.')

    async def _question(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        assert self.user_id is not None
        text = content.get("text")
        document_id = content.get("document_id")
        course = content.get("course")
        if not isinstance(text, str) or not text.strip():
            await self._error("invalid", "The question needs a non-empty text.")
            return
        if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
            await self._error("too_long", f"A question has at most {settings.CHAT_MAX_MESSAGE_CHARS} characters.")
            return
        if (document_id is not None and (type(document_id) is not int)) or (
            course is not None and not isinstance(course, str)
        ):
            await self._error("invalid", "document_id is an integer and course a string.")
            return
        try:
            await self._answer(text.strip(), services.Scope(document_id=document_id, course=course or None))
        except Exception:  # the socket's outermost boundary: log, tell the client, keep serving
            logger.exception("chat question failed", extra={"session_id": self.session.pk})
            await self._error("internal", "The question could not be answered; try again.")

    async def _answer(self, text: str, scope: services.Scope) -> None:
        """Checks the scope and the rate, stores the question, builds, stores and streams the answer. Every step
        touches the database or the model: a failure of any of them is the caller's ``internal`` error frame."""
        assert self.session is not None
        assert self.user_id is not None
        if not await _scope_allowed(self.user_id, scope.document_id):
            await self._error("not_found", "No such document.")
            return
        if await _questions_in_last_minute(self.user_id) >= settings.CHAT_MESSAGES_PER_MINUTE:
            await self._error(
                "rate_limited", f"At most {settings.CHAT_MESSAGES_PER_MINUTE} questions a minute.", retry_after=60
            )
            return
        question = await _question_store(session=self.session, text=text)
        await self.send_json({"event": "question.stored", "data": {"message_id": question.pk}})
        answer = await _answer_compute(session=self.session, question=question, scope=scope)
        stored = await _answer_store(session=self.session, answer=answer)
        for number, part in enumerate(answer.parts):
            await self.send_json(
                {"event": "answer.part", "data": {"message_id": stored.pk, "index": number, "text": part}}
            )
        await self.send_json(
            {
                "event": "answer.final",
                "data": {
                    "message_id": stored.pk,
                    "question_id": question.pk,
                    "text": answer.text,
                    "citations": answer.citations,
                    "is_answered": answer.is_answered,
                    "engine": answer.engine,
                },
            }
        )

    async def _error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"event": "error", "data": {"code": code, "detail": detail, **extra}})

    # -- idle timeout ---------------------------------------------------------------------------------------
    async def _watch_idle(self) -> None:
        timeout = float(settings.CHAT_IDLE_TIMEOUT_SECONDS)
        while True:
            remaining = self._last_activity + timeout - time.monotonic()
            if remaining <= 0:
                await self.send_json({"event": "idle.timeout", "data": {"idle_seconds": timeout}})
                await self.close(code=IDLE)
                return
            await asyncio.sleep(remaining)
