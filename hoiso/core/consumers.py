"""A minimal authenticated WebSocket: proves the ASGI stack serves sockets (tested)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import JsonWebsocketConsumer


class PingConsumer(JsonWebsocketConsumer):
    """Answers {"type": "pong"} to {"type": "ping"}; refuses anonymous sockets."""

    def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            self.close(code=4401)
            return
        self.accept()

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send_json({"type": "pong"})
        else:
            self.send_json({"type": "error", "message": "unknown message"})
