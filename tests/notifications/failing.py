"""Channels for the tests: one that always fails, one that records what it was given."""

from __future__ import annotations

from typing import Any

from hoiso.notifications.delivery import Channel

SENT: list[Any] = []


class BrokenChannel(Channel):
    name = "broken"

    def send(self, notification: Any) -> None:
        raise ConnectionError("gateway down")


class RecordingChannel(Channel):
    name = "recording"

    def send(self, notification: Any) -> None:
        SENT.append((notification.recipient.username, notification.title))
