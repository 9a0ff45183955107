"""Live-room notices: small messages to a meeting's Channels group, sent after commit.

A notice says what changed ({"type": "agenda.current", "item": 3}); clients re-fetch what
they need over HTTP, so the transport can be swapped later (docs/meetings.md lists them).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def send_now(meeting_id: int, notice: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(meeting_id), {"type": "meeting.notice", "notice": notice}
        )
    except Exception:  # a lost notice must not undo a committed change
        log.exception("meetings: notice %s to meeting %s not sent", notice, meeting_id)


def notify(meeting_id: int, kind: str, **data: Any) -> None:
    """Send ``{"type": kind, **data}`` to the meeting's room once the transaction commits."""
    notice = {"type": kind, **data}
    transaction.on_commit(lambda: send_now(meeting_id, notice))
