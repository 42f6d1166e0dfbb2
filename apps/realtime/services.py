"""Push a message to one learner's open websockets, from any process (web, worker, consumer)."""

from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.realtime.models import Push

PUSH_RETENTION = timedelta(hours=1)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def auth_group(user_id: int) -> str:
    """Every signed-in socket of the learner, whatever its consumer (events, chat)."""
    return f"auth.{user_id}"


def push_to_user(*, user_id: int, type: str, data: dict[str, Any]) -> None:
    """Records the push and, once the caller's transaction commits, delivers it.

    With the database delivery (embedded defaults) the web process streams new rows to sockets; with the
    channel layer (Redis) it is sent straight to the learner's group.
    """
    push = Push.objects.create(user_id=user_id, type=type, data=data)
    if settings.REALTIME_DELIVERY == "channel_layer":
        message = push_message(push)
        transaction.on_commit(lambda: _send_to_group(user_group(user_id), message))


def push_message(push: Push) -> dict[str, Any]:
    return {"type": "push.message", "id": push.pk, "event": push.type, "data": push.data}


def _send_to_group(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


def sockets_recheck_user(*, user_id: int) -> None:
    """After the caller's transaction commits, tells the learner's open sockets to re-check their sign-in.

    Sockets that no longer pass (signed out everywhere, erased) close with 4401 at once where the channel layer
    reaches them (Redis, or the same process); the others find out at their next periodic re-check.
    """
    transaction.on_commit(lambda: _send_to_group(auth_group(user_id), {"type": "auth.recheck"}))


def pushes_erase_user(*, user_id: int) -> int:
    """Deletes the pushes waiting for an erased learner."""
    deleted, _ = Push.objects.filter(user_id=user_id).delete()
    return deleted


def pushes_prune() -> int:
    deleted, _ = Push.objects.filter(created_at__lt=timezone.now() - PUSH_RETENTION).delete()
    return deleted
