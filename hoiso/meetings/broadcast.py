"""Live-room notices: small messages to a meeting's Channels group, sent after commit.

A notice says what changed ({"type": "agenda.current", "item": 3}); clients re-fetch what
they need over HTTP, so the transport can be swapped later (docs/meetings.md lists them).

Inside the server (uvicorn, daphne, Channels' test communicator) a notice joins an outbox on
the server's event loop, which sends notices one after the other, in order. ``vote.progress``
is coalesced per vote there: at most one every ``PROGRESS_INTERVAL`` seconds per server
process, carrying the highest count seen. A burst of casts (500 delegates voting at once) would
otherwise send one notice per cast to every socket: 500 × 500 messages. The first cast after a
quiet spell goes out at once; later ones within the interval wait for its end and go out as one
notice. Nothing is lost at the end: the last count always goes out (the trailing notice), and
``vote.closed`` first sends a held count of its vote. Where there is no server loop (a
management command, a plain test) every notice is sent before ``send_now`` returns, as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# Seconds between two vote.progress notices of one vote (per server process).
PROGRESS_INTERVAL = 0.25
# Seconds a committing thread waits for its notice to reach the channel layer.
SEND_TIMEOUT = 30.0


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


# --- inside the server: an ordered outbox per event loop, vote.progress coalesced ------------


@dataclass
class _Progress:
    sent_at: float = float("-inf")  # loop time of the last notice sent
    sent: int = -1  # the count it carried
    held: dict[str, Any] | None = None  # the notice waiting for the interval's end
    timer: asyncio.TimerHandle | None = None


Job = Callable[[], Awaitable[None]]


@dataclass
class _Outbox:
    """The notices of one server event loop, sent one after the other in the order given."""

    jobs: asyncio.Queue[Job] = field(default_factory=asyncio.Queue)
    progress: dict[tuple[int, int], _Progress] = field(default_factory=dict)
    worker: asyncio.Task[None] | None = None

    def put(self, job: Job) -> None:
        self.jobs.put_nowait(job)
        if self.worker is None or self.worker.done():
            self.worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        while True:
            job = await self.jobs.get()
            try:
                await job()
            except Exception:  # one notice's failure must not stop the others
                log.exception("meetings: a notice was not sent")


# One outbox per event loop: a loop that ends (a test's) takes its held notices with it.
_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outbox]
_outboxes = weakref.WeakKeyDictionary()


def _outbox() -> _Outbox:
    loop = asyncio.get_running_loop()
    box = _outboxes.get(loop)
    if box is None:
        box = _outboxes[loop] = _Outbox()
    return box


async def _release(meeting_id: int, key: tuple[int, int]) -> None:
    """The interval is over: send the held notice, if any."""
    state = _outbox().progress.get(key)
    if state is None:
        return
    state.timer = None
    notice, state.held = state.held, None
    if notice is not None:
        state.sent_at, state.sent = asyncio.get_running_loop().time(), notice["voted"]
        await _group_send(meeting_id, notice)


async def _progress(meeting_id: int, notice: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    box = _outbox()
    key = (meeting_id, notice["vote"])
    state = box.progress.setdefault(key, _Progress())
    voted = notice["voted"]
    if voted <= state.sent or (state.held is not None and voted <= state.held["voted"]):
        return  # an older count overtaken by a newer one (commits finish out of order)
    wait = state.sent_at + PROGRESS_INTERVAL - loop.time()
    if wait <= 0 and state.timer is None:
        state.sent_at, state.sent = loop.time(), voted
        await _group_send(meeting_id, notice)
        return
    state.held = notice
    if state.timer is None:  # the held notice joins the queue when the interval ends
        state.timer = loop.call_later(max(wait, 0), box.put, lambda: _release(meeting_id, key))


async def _closed(meeting_id: int, notice: dict[str, Any]) -> None:
    """The vote closed: its held count first, then the closing notice."""
    state = _outbox().progress.pop((meeting_id, notice["vote"]), None)
    if state is not None:
        if state.timer is not None:
            state.timer.cancel()
        if state.held is not None:
            await _group_send(meeting_id, state.held)
    await _group_send(meeting_id, notice)


HANDLERS: dict[str, Callable[[int, dict[str, Any]], Awaitable[None]]] = {
    "vote.progress": _progress,
    "vote.closed": _closed,
}


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The long-lived event loop this thread's synchronous code was called from, if any.

    Inside the server, synchronous code (a view, a consumer's database work) runs in a thread
    beside the server's event loop (async_to_sync runs coroutines there). Elsewhere
    async_to_sync makes a loop for one call, gone when it returns: nothing may be held there.
    asgiref keeps the server's loop in SyncToAsync's thread-local (it looks there itself); if a
    later asgiref stops doing so, notices simply go out at once, one by one, as before.
    """
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


def send_now(meeting_id: int, notice: dict[str, Any]) -> None:
    """Send a notice from synchronous code (a service's after-commit hook).

    In the server the notice joins the loop's outbox. The calling thread waits until it has
    been handed to the channel layer (so a chair's ``ok`` never overtakes her notice), except
    for ``vote.progress``: that thread runs every consumer's database work, and the next cast
    need not wait for the count of the last one. Elsewhere the notice is sent before return.
    """
    loop = _server_loop()
    try:
        if loop is None:
            async_to_sync(_group_send)(meeting_id, notice)
            return
        handler = HANDLERS.get(notice["type"], _group_send)
        done: concurrent.futures.Future[None] | None = None
        if notice["type"] != "vote.progress":
            done = concurrent.futures.Future()

        async def job() -> None:
            try:
                await handler(meeting_id, notice)
            finally:
                if done is not None:
                    done.set_result(None)

        loop.call_soon_threadsafe(lambda: _outbox().put(job))
        if done is not None:
            done.result(timeout=SEND_TIMEOUT)
    except Exception:  # a lost notice must not undo a committed change
        log.exception("meetings: notice %s to meeting %s not sent", notice, meeting_id)


def notify(meeting_id: int, kind: str, **data: Any) -> None:
    """Send ``{"type": kind, **data}`` to the meeting's room once the transaction commits."""
    notice = {"type": kind, **data}
    transaction.on_commit(lambda: send_now(meeting_id, notice))
