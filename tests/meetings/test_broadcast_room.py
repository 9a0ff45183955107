"""The room's database thread keeps its connection between events while sockets are open (a
vote cast no longer pays a new connection), and closes it when the last socket is gone."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from hoiso.meetings import services
from tests.meetings.conftest import build_room
from tests.meetings.test_consumer import joined, prepare, run, until

pytestmark = pytest.mark.django_db(transaction=True)


def _connection() -> tuple[bool, float]:
    """In the thread that runs the consumers' database work, without opening a connection:
    whether it holds one, and in how many seconds Django's checks will close it."""
    conn = connections["default"]
    left = float("inf") if conn.close_at is None else conn.close_at - time.monotonic()
    return conn.connection is not None, left


def test_the_room_keeps_its_connection_between_events_and_closes_it_at_the_end(tree, users):
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    mid, items = room.meeting.pk, (room.item1.pk, room.item2.pk)
    seen: list[tuple[bool, float]] = []

    async def scenario() -> None:
        chair = await joined(room.chair, mid)
        delegate = await joined(room.delegate, mid)
        for ref, item in enumerate(items):
            await chair.send_json_to({"type": "agenda.set_current", "item": item, "ref": ref})
            await until(chair, "ok", ref=ref)
            seen.append(await sync_to_async(_connection)())
        await chair.disconnect()
        seen.append(await sync_to_async(_connection)())  # one socket still open
        await delegate.disconnect()
        seen.append(await sync_to_async(_connection)())

    prepare(room.chair, room.delegate)
    run(scenario)
    for is_open, left in seen[:3]:  # CONN_MAX_AGE=0 would close it after every event
        assert is_open and left > 30
    conn = connections["default"]
    if conn.vendor != "sqlite" or not conn.is_in_memory_db():  # Django never closes those
        assert seen[3][0] is False
