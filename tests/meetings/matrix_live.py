"""The live room pages' rows of the access matrix (tests/test_permission_matrix.py).

Each row's args make a fresh meeting (tests/meetings/matrix.py): in commune A (the province
admin holds the permission over it and is its chair, present) or in commune B (out of the
commune-A cadre's scope: 404). "nobody" holds no meeting permission and is not invited: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.meetings.matrix import Args, _meeting, meeting, with_participant


def with_site(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, m.sites.get(is_hub=True).pk]

    return make


def site_code(unit_attr: str) -> Args:
    return lambda t, u: [_meeting(t, u, unit_attr).sites.get(is_hub=True).checkin_code]


def meeting_rows(row: Callable[..., Any]) -> dict[str, Any]:
    a, b = "commune_a", "commune_b"

    def r(args: Args, out: Args, **kw: Any) -> Any:
        return row(args=args, out_of_scope=out, denied="nobody", **kw)

    return {
        "meetings:room": r(meeting(a), meeting(b)),
        **{
            f"meetings:room_{part}": r(meeting(a), meeting(b))
            for part in ("state", "agenda", "document", "speakers", "votes")
        },
        # the chair (present, meeting open) raises her hand: back to the room
        "meetings:room_act": r(
            meeting(a), meeting(b), method="post", data={"action": "hand_raise"}, ok=302
        ),
        "meetings:board_part": r(meeting(a), meeting(b)),
        "meetings:board_mark": r(
            with_participant(a),
            with_participant(b),
            method="post",
            data={"attendance": "online"},
            ok=302,
        ),
        "meetings:board": r(meeting(a), meeting(b)),
        "meetings:checkin_qr": r(with_site(a), with_site(b)),
        "meetings:checkin": r(site_code(a), site_code(b)),
    }
