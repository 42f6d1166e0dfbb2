"""Database delivery: one poller per web process moves new push rows into the in-process channel layer.

Started lazily by the first websocket that connects; sockets only ever listen to their learner's group,
so a learner never receives another learner's pushes.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections

from apps.realtime import selectors
from apps.realtime.services import push_message, user_group

logger = logging.getLogger(__name__)
_task: asyncio.Task[None] | None = None


@database_sync_to_async
def _latest_id() -> int:
    close_old_connections()
    return selectors.push_latest_id()


@database_sync_to_async
def _fetch(after_id: int) -> list[tuple[int, dict[str, object]]]:
    close_old_connections()
    return [(push.user_id, push_message(push)) for push in selectors.pushes_after(after_id=after_id)]


async def _run() -> None:
    layer = get_channel_layer()
    assert layer is not None
    last_id = await _latest_id()
    while True:
        await asyncio.sleep(settings.REALTIME_POLL_SECONDS)
        try:
            batch = await _fetch(last_id)
        except Exception:
            logger.exception("realtime poll failed")
            continue
        for user_id, message in batch:
            await layer.group_send(user_group(user_id), message)
            last_id = max(last_id, int(message["id"]))


def ensure_started() -> None:
    global _task
    if settings.REALTIME_DELIVERY != "database":
        return
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run())
