"""Live-room notices: vote.progress coalesced per vote inside a server's event loop, the last
count never lost, and every notice sent at once where there is no server loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer

from hoiso.meetings import broadcast
from hoiso.meetings.broadcast import group_name, send_now

MEETING, VOTE = 7, 3


@pytest.fixture(autouse=True)
def _fresh_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    channel_layers.backends = {}
    monkeypatch.setattr(broadcast, "PROGRESS_INTERVAL", 0.5)


def progress(voted: int, vote: int = VOTE) -> dict[str, Any]:
    return {"type": "vote.progress", "vote": vote, "voted": voted}


async def joined() -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group_name(MEETING), channel)
    return layer, channel


async def drain(layer: Any, channel: str, quiet: float) -> list[dict[str, Any]]:
    """Every notice that arrives until nothing came for ``quiet`` seconds."""
    got = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), quiet)
        except TimeoutError:
            return got
        got.append(message["notice"])


def in_server(calls: list[dict[str, Any]]) -> Any:
    """The notices sent from synchronous code running beside the event loop, as a view's or a
    consumer's after-commit hooks run in the server."""

    def sends() -> None:
        for notice in calls:
            send_now(MEETING, notice)

    return sync_to_async(sends)()


def test_a_burst_of_casts_gives_the_first_count_at_once_and_the_last_after_the_interval():
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
        layer, channel = await joined()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await in_server([progress(n) for n in range(1, 51)])
        first = await drain(layer, channel, 0.2)
        rest = await drain(layer, channel, 1.0)
        return first, rest, loop.time() - started

    first, rest, took = asyncio.run(scenario())
    assert first == [progress(1)]
    assert rest == [progress(50)]  # one notice for the 49 others, with the last count
    assert took >= 0.5


def test_counts_per_vote_are_coalesced_separately_and_older_counts_are_dropped():
    async def scenario() -> list[dict[str, Any]]:
        layer, channel = await joined()
        await in_server(
            [progress(1), progress(3), progress(1, vote=4), progress(2), progress(2, vote=4)]
        )
        return await drain(layer, channel, 1.0)

    got = asyncio.run(scenario())
    assert got[:2] == [progress(1), progress(1, vote=4)]
    assert sorted(got[2:], key=lambda n: n["vote"]) == [progress(3), progress(2, vote=4)]


def test_closing_the_vote_first_sends_the_count_it_held():
    async def scenario() -> list[dict[str, Any]]:
        layer, channel = await joined()
        await in_server([progress(1), progress(2), progress(3)])
        await in_server([{"type": "vote.closed", "vote": VOTE}])
        got = await drain(layer, channel, 0.2)  # before the interval ends
        got += await drain(layer, channel, 1.0)  # and nothing more after it
        return got

    assert asyncio.run(scenario()) == [
        progress(1),
        progress(3),
        {"type": "vote.closed", "vote": VOTE},
    ]


def test_other_notices_go_out_at_once_in_order():
    notices = [{"type": "agenda.current", "item": n} for n in range(1, 6)]

    async def scenario() -> list[dict[str, Any]]:
        layer, channel = await joined()
        await in_server(notices)
        return await drain(layer, channel, 0.2)

    assert asyncio.run(scenario()) == notices


def test_without_a_server_loop_every_count_goes_out_at_once():
    layer = get_channel_layer()
    channel = asyncio.run(layer.new_channel())

    async def join() -> None:
        await layer.group_add(group_name(MEETING), channel)

    asyncio.run(join())
    for n in (1, 2, 3):
        send_now(MEETING, progress(n))  # a management command, a plain test: no event loop

    async def receive() -> list[dict[str, Any]]:
        return await drain(layer, channel, 0.2)

    assert asyncio.run(receive()) == [progress(1), progress(2), progress(3)]


def test_in_the_server_a_notice_is_with_the_layer_when_send_now_returns():
    """So a chair's ``ok`` never overtakes the notice of her action."""

    async def scenario() -> int:
        layer, channel = await joined()

        def send_and_look() -> int:
            send_now(MEETING, {"type": "agenda.current", "item": 1})
            return layer.channels[channel].qsize()  # the in-memory layer's queue of the socket

        return await sync_to_async(send_and_look)()

    assert asyncio.run(scenario()) == 1
