"""The meetings API's rows of the access matrix (tests/test_permission_matrix.py).

Each row's args make a fresh meeting: in commune A (the province admin holds the permission
over it and is its chair, present) or in commune B (out of the commune-A cadre's scope: 404).
"nobody" holds no meeting permission and is not invited: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from hoiso.meetings import services
from hoiso.meetings.models import Meeting, Participant, Vote

CODE = "matrix-checkin"


def _meeting(t: Any, u: dict[str, Any], unit_attr: str, *, state: str = "open") -> Meeting:
    admin = u["admin"]
    meeting = services.meeting_create(
        actor=None,
        unit=getattr(t, unit_attr),
        title="Giao ban",
        starts_at=timezone.now(),
        chair=admin,
    )
    chair = Participant.objects.get(meeting=meeting, user=admin)
    services.attendance_mark(actor=None, participant=chair, attendance="in_person")
    services.agenda_item_add(actor=None, meeting=meeting, title="Nội dung 1")
    if state in ("open", "closed"):
        services.meeting_open(actor=None, meeting=meeting)
    if state == "closed":
        services.meeting_close(actor=None, meeting=meeting)
    return meeting


def _vote(meeting: Meeting, *, opened: bool) -> Vote:
    vote = services.vote_create(actor=None, meeting=meeting, question="Tán thành?")
    return services.vote_open(actor=None, vote=vote) if opened else vote


Args = Callable[[Any, dict[str, Any]], list[Any]]


def meeting(unit_attr: str, state: str = "open") -> Args:
    return lambda t, u: [_meeting(t, u, unit_attr, state=state).pk]


def with_vote(unit_attr: str, *, opened: bool) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, _vote(m, opened=opened).pk]

    return make


def with_participant(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, Participant.objects.get(meeting=m, user=u["admin"]).pk]

    return make


def with_code(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        m.sites.filter(is_hub=True).update(checkin_code=CODE)
        return [m.pk]

    return make


def meeting_rows(row: Callable[..., Any]) -> dict[str, Any]:
    def r(args: Args, out: Args, **kw: Any) -> Any:
        return row(api=True, args=args, out_of_scope=out, denied="nobody", **kw)

    a, b = "commune_a", "commune_b"
    return {
        "api:meeting_list": row(api=True, denied="nobody"),
        **{
            f"api:{name}": r(meeting(a), meeting(b))
            for name in (
                "meeting_detail",
                "meeting_agenda",
                "meeting_attendance",
                "meeting_speakers",
                "meeting_votes",
                "meeting_video",
            )
        },
        "api:meeting_minutes": r(meeting(a, "closed"), meeting(b, "closed")),
        **{
            f"api:{name}": r(meeting(a, "closed"), meeting(b, "closed"))
            for name in ("minutes_docx", "minutes_pdf")
        },
        "api:minutes_update": r(
            meeting(a, "closed"), meeting(b, "closed"), method="put", data={"body": "Biên bản"}
        ),
        "api:minutes_finalise": r(meeting(a, "closed"), meeting(b, "closed"), method="post"),
        "api:meeting_attendance_mark": r(
            with_participant(a),
            with_participant(b),
            method="post",
            data={"attendance": "online"},
        ),
        "api:meeting_checkin": r(with_code(a), with_code(b), method="post", data={"code": CODE}),
        "api:vote_create": r(
            meeting(a), meeting(b), method="post", ok=201, data={"question": "Tán thành?"}
        ),
        "api:vote_result": r(with_vote(a, opened=True), with_vote(b, opened=True)),
        "api:vote_open": r(with_vote(a, opened=False), with_vote(b, opened=False), method="post"),
        "api:vote_cast": r(
            with_vote(a, opened=True),
            with_vote(b, opened=True),
            method="post",
            data={"choice": "agree"},
        ),
        "api:vote_close": r(with_vote(a, opened=True), with_vote(b, opened=True), method="post"),
    }
