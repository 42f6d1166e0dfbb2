from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.realtime import streamer
from apps.realtime.services import user_group

UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/events/?token=ACCESS``: job progress and notifications for the signed-in learner."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        streamer.ensure_started()
        await self.accept()
        await self.send_json({"event": "connected", "data": {"user_id": user.pk}})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def push_message(self, message: dict[str, Any]) -> None:
        await self.send_json({"id": message["id"], "event": message["event"], "data": message["data"]})
