"""WebSocket routes. Every consumer refuses anonymous sockets and re-checks scope per event."""

from django.urls import path

from hoiso.core.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
