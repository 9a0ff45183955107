"""The live room's socket with Channels' communicator: authorisation on connect and on every
event, following the chair's agenda, votes opened, cast and closed over the socket."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing.websocket import WebsocketCommunicator
from django.utils.translation import gettext

from config.asgi import application
from hoiso.meetings import services
from hoiso.meetings.models import Ballot, Participant
from tests.conftest import client_for
from tests.meetings.conftest import build_room

ORIGIN = (b"origin", b"http://127.0.0.1")
pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run in a fresh thread with its own loop and a fresh in-memory channel layer."""
    channel_layers.backends = {}
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]


def prepare(*users: Any) -> None:
    for user in users:
        user.ws_cookie = client_for(user).cookies["sessionid"].value


def socket(user: Any, meeting_id: int) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if user is not None:
        cookie = user.ws_cookie  # set by prepare(): logging in touches the database
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/", headers=headers)


async def joined(user: Any, meeting_id: int) -> WebsocketCommunicator:
    ws = socket(user, meeting_id)
    connected, _code = await ws.connect()
    assert connected
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello" and hello["meeting"] == meeting_id
    return ws


async def until(ws: WebsocketCommunicator, kind: str, **match: Any) -> dict[str, Any]:
    """The next message of this type (other messages on the way are skipped)."""
    for _ in range(20):
        message = await ws.receive_json_from(timeout=5)
        if message.get("type") == kind and all(message.get(k) == v for k, v in match.items()):
            return message
    raise AssertionError(f"no {kind} message")


async def refused(user: Any, meeting_id: int) -> int:
    ws = socket(user, meeting_id)
    connected, code = await ws.connect()
    assert not connected
    await ws.disconnect()
    return code


def test_connect_refused_to_anonymous_outsiders_and_non_participants_of_secret(tree, users):
    room = build_room(tree, users)
    secret = build_room_secret(tree, users)
    mid, sid = room.meeting.pk, secret.pk

    async def scenario() -> None:
        assert await refused(None, mid) == 4401
        assert await refused(users["nobody"], mid) == 4403  # no permission, not invited
        assert await refused(users["cadre_b"], mid) == 4404  # permission, not over the province
        assert await refused(users["admin"], sid) == 4404  # in scope, but the meeting is secret
        for user in (room.remote, users["admin"]):  # a participant; someone in scope
            ws = await joined(user, mid)
            await ws.disconnect()
        ws = await joined(secret_member, sid)
        await ws.disconnect()

    secret_member = users["province_cadre"]  # the secret meeting's creator (its secretary)
    prepare(users["nobody"], users["cadre_b"], users["admin"], room.remote, secret_member)
    run(scenario)


def build_room_secret(tree: Any, users: dict[str, Any]) -> Any:
    from django.utils import timezone

    return services.meeting_create(
        actor=users["province_cadre"],
        unit=tree.province,
        title="Họp Thường vụ (mật)",
        starts_at=timezone.now(),
        secret=True,
    )


def test_chair_moves_the_agenda_followers_follow_and_only_the_chair_may(tree, users):
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    mid, item1, item2 = room.meeting.pk, room.item1.pk, room.item2.pk

    async def scenario() -> None:
        chair = await joined(room.chair, mid)
        delegate = await joined(room.delegate, mid)
        # a delegate may not move the agenda (checked on the event, not only at connect)
        await delegate.send_json_to({"type": "agenda.set_current", "item": item2, "ref": 1})
        error = await until(delegate, "error")
        assert error["code"] == "forbidden" and error["ref"] == 1
        await chair.send_json_to({"type": "agenda.set_current", "item": item2, "ref": 2})
        assert await until(chair, "ok", ref=2)
        assert await until(delegate, "agenda.current") == {"type": "agenda.current", "item": item2}
        # a viewer who stops following does not get the chair's moves, and catches up on follow
        await delegate.send_json_to({"type": "unfollow", "ref": 3})
        assert (await until(delegate, "ok", ref=3))["following"] is False
        await chair.send_json_to({"type": "agenda.set_current", "item": item1, "ref": 4})
        await until(chair, "ok", ref=4)
        await delegate.send_json_to({"type": "follow", "ref": 5})
        caught_up = await until(delegate, "ok", ref=5)
        assert caught_up["following"] is True and caught_up["item"] == item1
        assert await delegate.receive_nothing(timeout=0.2)  # the move while unfollowed: dropped
        # a hand raised over the socket reaches the chair as a notice
        await delegate.send_json_to({"type": "hand.raise", "ref": 6})
        assert (await until(delegate, "ok", ref=6))["position"] == 1
        assert await until(chair, "speakers.changed") == {"type": "speakers.changed", "item": item1}
        await chair.disconnect()
        await delegate.disconnect()

    prepare(room.chair, room.delegate)
    run(scenario)


def test_vote_open_cast_close_over_the_socket(tree, users):
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    vote = services.vote_create(actor=room.chair, meeting=room.meeting, question="Tán thành?")
    mid = room.meeting.pk

    async def scenario() -> None:
        chair = await joined(room.chair, mid)
        delegate = await joined(room.delegate, mid)
        remote = await joined(room.remote, mid)
        absent = await joined(room.absent, mid)
        await delegate.send_json_to({"type": "vote.open", "vote": vote.pk, "ref": 1})
        assert (await until(delegate, "error", ref=1))["code"] == "forbidden"
        await chair.send_json_to({"type": "vote.open", "vote": vote.pk, "ref": 2})
        for ws in (chair, delegate, remote, absent):
            assert await until(ws, "vote.opened") == {"type": "vote.opened", "vote": vote.pk}
        await delegate.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "agree",
                                     "ref": 3})  # fmt: skip
        await until(delegate, "ok", ref=3)
        await delegate.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "agree",
                                     "ref": 4})  # fmt: skip
        assert (
            gettext("You have already voted.") == (await until(delegate, "error", ref=4))["message"]
        )
        await absent.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "agree",
                                   "ref": 5})  # fmt: skip
        assert (
            gettext("Only participants marked present may vote.")
            == (await until(absent, "error", ref=5))["message"]
        )
        await remote.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "disagree",
                                   "ref": 6})  # fmt: skip
        await until(remote, "ok", ref=6)
        progress = await until(chair, "vote.progress", voted=2)
        assert progress == {"type": "vote.progress", "vote": vote.pk, "voted": 2}  # no choices
        await chair.send_json_to({"type": "vote.close", "vote": vote.pk, "ref": 7})
        for ws in (chair, delegate, remote, absent):
            assert await until(ws, "vote.closed") == {"type": "vote.closed", "vote": vote.pk}
        await remote.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "agree",
                                   "ref": 8})  # fmt: skip
        assert gettext("This vote is not open.") == (await until(remote, "error", ref=8))["message"]
        for ws in (chair, delegate, remote, absent):
            await ws.disconnect()

    prepare(room.chair, room.delegate, room.remote, room.absent)
    run(scenario)
    assert sorted(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == [
        "agree",
        "disagree",
    ]


def test_every_event_is_authorised_again(tree, users):
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    mid, item2 = room.meeting.pk, room.item2.pk

    async def scenario() -> None:
        chair = await joined(room.chair, mid)
        remote = await joined(room.remote, mid)
        # the chair hands over the chair: her next chair action is refused
        await database_sync_to_async(
            lambda: services.participant_update(
                actor=None, participant=room.p(room.chair), role="delegate"
            )
        )()
        await chair.send_json_to({"type": "agenda.set_current", "item": item2, "ref": 1})
        assert (await until(chair, "error", ref=1))["code"] == "forbidden"
        # the remote delegate (no role anywhere) is removed from the meeting: her next event
        # closes the socket, whatever it is
        await database_sync_to_async(
            lambda: Participant.objects.filter(pk=room.p(room.remote).pk).delete()
        )()
        await remote.send_json_to({"type": "unfollow"})
        for _ in range(10):
            output = await remote.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                break
        assert output == {"type": "websocket.close", "code": 4403}
        await chair.disconnect()

    prepare(room.chair, room.remote)
    run(scenario)


def test_bad_messages_get_a_clear_error_and_write_nothing(tree, users):
    from hoiso.meetings import consumers

    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    vote = services.vote_create(actor=room.chair, meeting=room.meeting, question="Tán thành?")
    services.vote_open(actor=room.chair, vote=vote)
    mid = room.meeting.pk

    async def scenario() -> None:
        delegate = await joined(room.delegate, mid)
        await delegate.send_json_to({"type": "teleport", "ref": 1})
        assert (await until(delegate, "error", ref=1))["message"] == str(consumers.UNKNOWN)
        await delegate.send_json_to({"type": "vote.cast", "vote": vote.pk, "ref": 2})
        assert (await until(delegate, "error", ref=2))["message"] == str(consumers.BAD_ARGUMENTS)
        await delegate.send_json_to({"type": "vote.cast", "vote": vote.pk, "choice": "maybe",
                                     "ref": 3})  # fmt: skip
        error = await until(delegate, "error", ref=3)
        assert error["code"] == "invalid"
        assert error["message"] == gettext("Choose Agree, Disagree or No opinion.")
        await delegate.send_json_to({"type": "vote.cast", "vote": 10**9, "choice": "agree",
                                     "ref": 4})  # fmt: skip
        assert (await until(delegate, "error", ref=4))["message"] == gettext(
            "There is no such vote in this meeting."
        )
        await delegate.disconnect()

    prepare(room.delegate)
    run(scenario)
    assert not Ballot.objects.filter(vote=vote).exists()
