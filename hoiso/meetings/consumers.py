"""The live room's socket: ``ws/meetings/<id>/`` (protocol: docs/meetings.md).

Connect: only a participant, or someone who sees the meeting through her scope (secret meetings:
participants only); others are refused (4403, 4404). Every incoming event is authorised again
against the database (a participant removed mid-meeting, a chair who handed over the chair):
chair actions by the chair or secretary only. Writes go through the services; the notices they
broadcast after commit reach every socket of the meeting's group, small ("item 3 is current"),
and clients re-fetch over HTTP.
"""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import SyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connections
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hoiso.meetings import selectors, services
from hoiso.meetings.broadcast import group_name

# What a client that sends something the room does not understand is told (in the user's
# language, like every other error of the room).
UNKNOWN = gettext_lazy("The meeting room does not understand this message.")
FORBIDDEN = gettext_lazy("You may not do this in this meeting.")
BAD_ARGUMENTS = gettext_lazy("The message lacks a value or has a wrong one.")

# notices a viewer who stopped following the chair does not get
FOLLOW_NOTICES = {"agenda.current", "document.show"}


# Seconds the room's database thread keeps a connection when the settings close connections
# after each use (CONN_MAX_AGE=0, the default, right for requests under ASGI).
ROOM_CONNECTION_SECONDS = 60.0
_kept: dict[str, int] = {}  # alias → id of the connection given a longer life
_sockets = 0  # room consumers running in this process (counted in the event loop's thread)


def _keep_connections() -> None:
    """Let a connection just opened by the room's thread live ROOM_CONNECTION_SECONDS.

    Every event of every socket runs its database work in one thread (Channels' thread-sensitive
    executor). With CONN_MAX_AGE=0 each event opened a new connection: on SQLite about half the
    CPU of a vote cast (9 of 18 ms). One connection kept by that one thread is no leak; Django's
    own checks still close it when it breaks or its time is up, and the last socket of the
    process to end closes it (``_close_kept``).
    """
    if _sockets <= 0:
        return
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None or conn.settings_dict.get("CONN_MAX_AGE") != 0 or conn.in_atomic_block:
            continue
        if _kept.get(conn.alias) != id(raw):
            _kept[conn.alias] = id(raw)
            conn.close_at = time.monotonic() + ROOM_CONNECTION_SECONDS


class _RoomDatabase(SyncToAsync):
    """``database_sync_to_async`` for the room: the same clean-up of broken or old connections
    before and after, but a connection it opens is kept a while (``_keep_connections``)."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _keep_connections()
            close_old_connections()


database_sync_to_async = _RoomDatabase


def _close_kept() -> None:
    for alias in list(_kept):
        connections[alias].close()
    _kept.clear()


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class MeetingConsumer(AsyncJsonWebsocketConsumer):
    meeting_id: int
    following: bool

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        global _sockets
        _sockets += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            _sockets -= 1
            if _sockets == 0:  # nobody left in the room's thread: its connection goes
                await database_sync_to_async(_close_kept)()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        code = await database_sync_to_async(self._authorise_connect)(user)
        if code:
            await self.close(code=code)
            return
        self.following = True
        await self.channel_layer.group_add(group_name(self.meeting_id), self.channel_name)
        await self.accept()
        state = await database_sync_to_async(self._state)(user)
        await self.send_json({"type": "hello", **state})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "meeting_id", None) is not None:
            await self.channel_layer.group_discard(group_name(self.meeting_id), self.channel_name)

    def _authorise_connect(self, user: Any) -> int:
        try:
            selectors.meeting_get(user, self.meeting_id, record=True)
        except PermissionDenied:
            return 4403
        except Http404:
            return 4404
        return 0

    def _state(self, user: Any) -> dict[str, Any]:
        meeting = selectors.meeting_get(user, self.meeting_id)
        participant = selectors.participant_of(user, meeting)
        return {
            "meeting": meeting.pk,
            "state": meeting.state,
            "item": meeting.current_item_id,
            "document": meeting.shown_document_id,
            "page": meeting.shown_page,
            "participant": participant.pk if participant else None,
            "drives": bool(participant and participant.drives),
        }

    # --- incoming ----------------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json({"type": "error", "code": "invalid", "message": str(UNKNOWN)})
            return
        kind = content["type"]
        ref = content.get("ref")
        user = self.scope["user"]
        if kind in ("follow", "unfollow"):
            # still allowed to see the meeting at all?
            if not await database_sync_to_async(self._still_allowed)(user):
                await self.close(code=4403)
                return
            self.following = kind == "follow"
            reply: dict[str, Any] = {"type": "ok", "ref": ref, "following": self.following}
            if self.following:
                reply.update(await database_sync_to_async(self._state)(user))
                reply["type"] = "ok"
            await self.send_json(reply)
            return
        handler = self.HANDLERS.get(kind)
        if handler is None:
            await self.send_json(
                {"type": "error", "ref": ref, "code": "invalid", "message": str(UNKNOWN)}
            )
            return
        try:
            result = await database_sync_to_async(handler)(self, user, content)
        except Http404:
            await self.close(code=4404)
            return
        except PermissionDenied:
            if not await database_sync_to_async(self._still_allowed)(user):
                await self.close(code=4403)
                return
            await self.send_json(
                {"type": "error", "ref": ref, "code": "forbidden", "message": str(FORBIDDEN)}
            )
            return
        except ValidationError as exc:
            await self.send_json(
                {"type": "error", "ref": ref, "code": "invalid", "message": _messages(exc)}
            )
            return
        except (KeyError, TypeError, ValueError):
            await self.send_json(
                {"type": "error", "ref": ref, "code": "invalid", "message": str(BAD_ARGUMENTS)}
            )
            return
        await self.send_json({"type": "ok", "ref": ref, **(result or {})})

    def _still_allowed(self, user: Any) -> bool:
        try:
            selectors.meeting_get(user, self.meeting_id)
        except (PermissionDenied, Http404):
            return False
        return True

    # Each handler runs in a worker thread, re-reads the meeting through the selector (the
    # connect-time check is not trusted) and calls one service, which checks the actor's role.

    def _meeting(self, user: Any) -> Any:
        return selectors.meeting_get(user, self.meeting_id)

    def _item(self, meeting: Any, pk: Any) -> Any:
        item = meeting.agenda.filter(pk=int(pk)).first()
        if item is None:
            raise ValidationError(_("There is no such agenda item in this meeting."))
        return item

    def on_set_current(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        meeting = self._meeting(user)
        item = self._item(meeting, content["item"])
        services.agenda_set_current(actor=user, meeting=meeting, item=item)
        return {"item": item.pk}

    def on_document_show(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        from hoiso.meetings.models import ItemDocument

        meeting = self._meeting(user)
        document = None
        if content.get("document") is not None:
            document = ItemDocument.objects.filter(
                pk=int(content["document"]), item__meeting=meeting
            ).first()
            if document is None:
                raise ValidationError(_("There is no such document in this meeting."))
        page = int(content.get("page") or 1)
        services.document_show(actor=user, meeting=meeting, document=document, page=page)
        return {"document": document.pk if document else None, "page": page}

    def on_hand_raise(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        meeting = self._meeting(user)
        item_id = content.get("item") or meeting.current_item_id
        if item_id is None:
            raise ValidationError(_("No agenda item is current."))
        request = services.speaking_raise(actor=user, item=self._item(meeting, item_id))
        return {"request": request.pk, "position": request.position}

    def on_hand_withdraw(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        from hoiso.meetings.models import SpeakingRequest

        meeting = self._meeting(user)
        request = SpeakingRequest.objects.filter(
            pk=int(content["request"]), item__meeting=meeting
        ).first()
        if request is None:
            raise ValidationError(_("There is no such speaking request."))
        services.speaking_withdraw(actor=user, request=request)
        return {"request": request.pk}

    def on_vote_cast(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        vote = self._vote(user, content)
        services.vote_cast(actor=user, vote=vote, choice=str(content["choice"]))
        return {"vote": vote.pk}

    def _vote(self, user: Any, content: dict[str, Any]) -> Any:
        vote = self._meeting(user).votes.filter(pk=int(content["vote"])).first()
        if vote is None:
            raise ValidationError(_("There is no such vote in this meeting."))
        return vote

    def on_vote_open(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        vote = services.vote_open(actor=user, vote=self._vote(user, content))
        return {"vote": vote.pk}

    def on_vote_close(self, user: Any, content: dict[str, Any]) -> dict[str, Any]:
        vote = services.vote_close(actor=user, vote=self._vote(user, content))
        return {"vote": vote.pk}

    HANDLERS = {
        "vote.open": on_vote_open,
        "vote.close": on_vote_close,
        "agenda.set_current": on_set_current,
        "document.show": on_document_show,
        "hand.raise": on_hand_raise,
        "hand.withdraw": on_hand_withdraw,
        "vote.cast": on_vote_cast,
    }

    # --- outgoing ----------------------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' dispatch first closes stale database connections, a hop to the single
        # thread that runs all database work, before every message. A notice touches no
        # database, and one notice reaches every socket of the room: 500 hops queued behind
        # the casts of a vote. Notices skip it; everything else (the database work of incoming
        # events runs in _RoomDatabase, which cleans up itself) goes the usual way.
        if message.get("type") == "meeting.notice":
            await self.meeting_notice(message)
            return
        await super().dispatch(message)

    async def meeting_notice(self, message: dict[str, Any]) -> None:
        notice = message["notice"]
        if not self.following and notice.get("type") in FOLLOW_NOTICES:
            return
        await self.send_json(notice)
