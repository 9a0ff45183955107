"""Video for the meeting room: a provider interface and its Jitsi Meet implementation.

Each meeting has its own unguessable room name (``Meeting.video_room``). A participant's join
info carries the server's address, the room and, with Jitsi's token auth, a JWT signed (HS256)
with the server's shared secret that binds her to that one room and says whether she moderates:
the chair and the secretary do, and so does anyone who may manage the meeting
(``selectors.can_manage``). With no server configured, or for a secret meeting (no video room,
ever), the join info says that video is off and why; the meeting itself works fully without it.

Settings (config/settings.py, from the environment): JITSI_URL (e.g. https://meet.example.vn),
JITSI_APP_ID (the ``app_id`` of the server's token auth), JITSI_SECRET (its ``app_secret``),
JITSI_TOKEN_MINUTES (how long a token admits its holder). JITSI_URL or JITSI_SECRET empty:
video is off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.meetings import selectors
from hoiso.meetings.models import Meeting


@dataclass(frozen=True)
class JoinInfo:
    """What a participant's browser needs to join the meeting's video (or why it cannot)."""

    enabled: bool
    provider: str = ""
    server_url: str = ""
    domain: str = ""
    room: str = ""
    token: str | None = None
    moderator: bool = False
    display_name: str = ""
    expires_at: dt.datetime | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class VideoProvider(Protocol):
    """A video service the meeting room can embed (Jitsi Meet now; BigBlueButton may follow)."""

    name: str

    def configured(self) -> bool: ...

    def room_name(self, meeting: Meeting) -> str: ...

    def join_info(self, meeting: Meeting, user: Any, *, moderator: bool) -> JoinInfo: ...


def _off(reason: str) -> JoinInfo:
    return JoinInfo(enabled=False, reason=reason)


class JitsiProvider:
    """Jitsi Meet with token (JWT) auth: one room per meeting, one token per user."""

    name = "jitsi"

    def __init__(
        self,
        url: str | None = None,
        app_id: str | None = None,
        secret: str | None = None,
        token_minutes: int | None = None,
    ) -> None:
        self.url = (settings.JITSI_URL if url is None else url).rstrip("/")
        self.app_id = settings.JITSI_APP_ID if app_id is None else app_id
        self.secret = settings.JITSI_SECRET if secret is None else secret
        self.token_minutes = (
            settings.JITSI_TOKEN_MINUTES if token_minutes is None else token_minutes
        )

    @property
    def domain(self) -> str:
        """The server's host name: the ``sub`` claim and the iframe API's domain."""
        return urlsplit(self.url).hostname or ""

    def configured(self) -> bool:
        return bool(self.url and self.domain and self.secret and self.app_id)

    def room_name(self, meeting: Meeting) -> str:
        return meeting.video_room

    def token(self, meeting: Meeting, user: Any, *, moderator: bool) -> tuple[str, dt.datetime]:
        """The user's JWT for this meeting's room, and when it expires."""
        now = timezone.now()
        expires = now + dt.timedelta(minutes=self.token_minutes)
        name = user.get_full_name() if hasattr(user, "get_full_name") else str(user)
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": self.room_name(meeting),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()) - 60,  # clock skew between us and the server
            "exp": int(expires.timestamp()),
            "moderator": moderator,  # read by token-moderation plugins
            "context": {
                "user": {
                    "id": str(user.pk),
                    "name": name,
                    "email": user.email or "",
                    "moderator": moderator,  # read by Jitsi's own token handling
                    "affiliation": "owner" if moderator else "member",
                }
            },
        }
        return jwt.encode(claims, self.secret, algorithm="HS256"), expires

    def join_info(self, meeting: Meeting, user: Any, *, moderator: bool) -> JoinInfo:
        if meeting.secret:
            return _off(_("A secret meeting has no video room."))
        if not self.configured():
            return _off(_("Video is off: no video server is configured."))
        token, expires = self.token(meeting, user, moderator=moderator)
        return JoinInfo(
            enabled=True,
            provider=self.name,
            server_url=self.url,
            domain=self.domain,
            room=self.room_name(meeting),
            token=token,
            moderator=moderator,
            display_name=str(user),
            expires_at=expires,
        )


def provider() -> JitsiProvider:
    """The configured video provider (Jitsi Meet; settings read at each call)."""
    return JitsiProvider()


def is_moderator(user: Any, meeting: Meeting) -> bool:
    """Chair, secretary, or anyone who may manage the meeting."""
    return selectors.can_manage(user, meeting)


def join_info(user: Any, meeting: Meeting) -> JoinInfo:
    """A participant's join info (the caller has checked that she is one)."""
    if meeting.secret:
        return _off(_("A secret meeting has no video room."))
    return provider().join_info(meeting, user, moderator=is_moderator(user, meeting))
