"""WebSocket routes. Every consumer refuses anonymous sockets and re-checks scope per event."""

from django.urls import path

from hoiso.core.consumers import PingConsumer
from hoiso.meetings.consumers import MeetingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/meetings/<int:meeting_id>/", MeetingConsumer.as_asgi()),
]
