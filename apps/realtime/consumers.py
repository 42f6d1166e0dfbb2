from typing import Any

from apps.realtime import streamer
from apps.realtime.auth import AuthenticatedJsonWebsocketConsumer
from apps.realtime.services import user_group


class EventsConsumer(AuthenticatedJsonWebsocketConsumer):
    """``/ws/events/``: job progress and notifications for the signed-in learner (sign-in: see ``auth``)."""

    group: str | None = None

    async def on_authenticated(self) -> None:
        assert self.user_id is not None
        self.group = user_group(self.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        streamer.ensure_started()
        await self.send_json({"event": "connected", "data": {"user_id": self.user_id}})

    async def on_disconnected(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_authenticated(self, content: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def push_message(self, message: dict[str, Any]) -> None:
        await self.send_json({"id": message["id"], "event": message["event"], "data": message["data"]})
