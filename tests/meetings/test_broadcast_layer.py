"""The single-process channel layer: Channels' in-memory layer, its expiry sweep at most once
per interval instead of on every receive and group send."""

from __future__ import annotations

import asyncio
import time

from channels.layers import InMemoryChannelLayer as Stock

from hoiso.meetings.layers import InMemoryChannelLayer


def test_a_group_message_reaches_every_member():
    async def scenario() -> list[dict[str, object]]:
        layer = InMemoryChannelLayer()
        channels = [await layer.new_channel() for _ in range(3)]
        for channel in channels:
            await layer.group_add("meeting.1", channel)
        await layer.group_send("meeting.1", {"type": "meeting.notice", "notice": {"item": 2}})
        return [await asyncio.wait_for(layer.receive(c), 1) for c in channels]

    assert asyncio.run(scenario()) == [{"type": "meeting.notice", "notice": {"item": 2}}] * 3


def test_the_sweep_runs_once_per_interval_and_still_drops_expired_messages(monkeypatch):
    sweeps: list[float] = []
    stock_sweep = Stock._clean_expired

    def counted(self: Stock) -> None:
        sweeps.append(time.monotonic())
        stock_sweep(self)

    monkeypatch.setattr(Stock, "_clean_expired", counted)

    async def scenario() -> tuple[bool, bool]:
        layer = InMemoryChannelLayer(expiry=0.05)
        layer.sweep_every = 0.2
        stale, live = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("meeting.1", stale)
        await layer.group_add("meeting.1", live)
        await layer.send(stale, {"type": "x"})  # nobody reads it: it expires
        for n in range(50):  # a busy room: 50 notices within the interval
            await layer.send(live, {"type": "y", "n": n})
            await layer.receive(live)
        assert len(sweeps) == 1
        await asyncio.sleep(0.25)
        await layer.send(live, {"type": "y"})
        await layer.receive(live)  # the next sweep drops the expired message and its socket
        return stale in layer.channels, stale in layer.groups["meeting.1"]

    assert asyncio.run(scenario()) == (False, False)
    assert len(sweeps) == 2
