"""The baseline of bench/meetings.py: a bare Channels consumer, served like the product.

    .venv/bin/python -m uvicorn --app-dir bench _meetings_bare:application --port N

``ws/bare/<room>/`` joins the group ``bare.<room>`` (no login, no database). A client's
``{"type": "go", "item": 3}`` is broadcast to the group as ``{"type": "agenda.current",
"item": 3}`` through the channel layer of config/settings.py (in-memory, or Redis with
REDIS_URL), exactly as the live room's notices go; ``{"type": "vote.cast", "ref": n}`` is
answered ``{"type": "ok", "ref": n}``. Nothing else: what the live room costs on top of this is
what the bench reports. Not a benchmark itself (``make bench`` runs it and it does nothing).
"""

from __future__ import annotations

import json
import os
from typing import Any

if __name__ == "__main__":
    print("bench/_meetings_bare.py is the ASGI app of bench/meetings.py's baseline.")
    raise SystemExit(0)

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class BareConsumer(AsyncWebsocketConsumer):
    group: str

    async def connect(self) -> None:
        self.group = f"bare.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "hello"}))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data or "{}")
        if message.get("type") == "go":
            notice = {"type": "agenda.current", "item": message.get("item")}
            await self.channel_layer.group_send(
                self.group, {"type": "bare.notice", "notice": notice}
            )
        else:
            await self.send(text_data=json.dumps({"type": "ok", "ref": message.get("ref")}))

    async def bare_notice(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(event["notice"]))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/bare/<int:room>/", BareConsumer.as_asgi())])}
)
