"""Live-room notices: small messages to a meeting's Channels group, sent after commit.

A notice says what changed ({"type": "agenda.current", "item": 3}); clients re-fetch what
they need over HTTP, so the transport can be swapped later (docs/meetings.md lists them).

``vote.progress`` is coalesced per vote: at most one every ``PROGRESS_INTERVAL`` seconds per
server process, carrying the highest count seen. A burst of casts (500 delegates voting at
once) would otherwise send one notice per cast to every socket: 500 × 500 messages. The first
cast after a quiet spell goes out at once; later ones within the interval wait for the end of
it and go out as one notice. Nothing is lost at the end: the last count always goes out (the
trailing notice), and ``vote.closed`` first sends a held count of its vote. Coalescing needs
the server's event loop (uvicorn, daphne, Channels' test communicator); called where there is
none (a management command, a plain test), every notice goes out at once, as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from dataclasses import dataclass
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# Seconds between two vote.progress notices of one vote (per server process).
PROGRESS_INTERVAL = 0.25


def group_name(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


async def _group_send(meeting_id: int, notice: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group_name(meeting_id), {"type": "meeting.notice", "notice": notice})
    except Exception:  # a lost notice must not undo a committed change
        log.exception("meetings: notice %s to meeting %s not sent", notice, meeting_id)


# --- vote.progress coalescing (state lives in the event loop that sends) ---------------------


@dataclass
class _Progress:
    sent_at: float = float("-inf")  # loop time of the last notice sent
    sent: int = -1  # the count it carried
    held: dict[str, Any] | None = None  # the notice waiting for the interval's end
    timer: asyncio.TimerHandle | None = None


# One table per event loop: a loop that ends (a test's) takes its held notices with it.
_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, int], _Progress]]
_loops = weakref.WeakKeyDictionary()


def _table() -> dict[tuple[int, int], _Progress]:
    return _loops.setdefault(asyncio.get_running_loop(), {})


async def _release(meeting_id: int, key: tuple[int, int]) -> None:
    """The interval is over: send the held notice, if any."""
    state = _table().get(key)
    if state is None:
        return
    state.timer = None
    notice, state.held = state.held, None
    if notice is not None:
        state.sent_at, state.sent = asyncio.get_running_loop().time(), notice["voted"]
        await _group_send(meeting_id, notice)


async def _progress(meeting_id: int, notice: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    key = (meeting_id, notice["vote"])
    state = _table().setdefault(key, _Progress())
    voted = notice["voted"]
    if voted <= state.sent or (state.held is not None and voted <= state.held["voted"]):
        return  # an older count overtaken by a newer one (commits finish out of order)
    wait = state.sent_at + PROGRESS_INTERVAL - loop.time()
    if wait <= 0 and state.timer is None:
        state.sent_at, state.sent = loop.time(), voted
        await _group_send(meeting_id, notice)
        return
    state.held = notice
    if state.timer is None:
        state.timer = loop.call_later(
            max(wait, 0), lambda: loop.create_task(_release(meeting_id, key))
        )


async def _closed(meeting_id: int, notice: dict[str, Any]) -> None:
    """The vote closed: its held count first, then the closing notice."""
    state = _table().pop((meeting_id, notice["vote"]), None)
    if state is not None:
        if state.timer is not None:
            state.timer.cancel()
        if state.held is not None:
            await _group_send(meeting_id, state.held)
    await _group_send(meeting_id, notice)


async def _plain(meeting_id: int, notice: dict[str, Any]) -> None:
    await _group_send(meeting_id, notice)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The long-lived event loop this thread's synchronous code was called from, if any.

    Inside the server, synchronous code (a view, a consumer's database work) runs in a thread
    beside the server's event loop, and async_to_sync runs coroutines on that loop, where
    timers fire later. Elsewhere async_to_sync makes a loop for one call, gone when it returns:
    nothing may be held there. asgiref keeps that loop in SyncToAsync's thread-local (it looks
    there itself); if a later asgiref stops doing so, notices simply go out at once.
    """
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


def send_now(meeting_id: int, notice: dict[str, Any]) -> None:
    """Send a notice from synchronous code (a service's after-commit hook)."""
    handler = {"vote.progress": _progress, "vote.closed": _closed}.get(notice["type"], _plain)
    if _server_loop() is None:
        handler = _plain
    try:
        async_to_sync(handler)(meeting_id, notice)
    except Exception:  # a lost notice must not undo a committed change
        log.exception("meetings: notice %s to meeting %s not sent", notice, meeting_id)


def notify(meeting_id: int, kind: str, **data: Any) -> None:
    """Send ``{"type": kind, **data}`` to the meeting's room once the transaction commits."""
    notice = {"type": kind, **data}
    transaction.on_commit(lambda: send_now(meeting_id, notice))
