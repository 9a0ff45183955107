"""The organiser pages' rows of the access matrix (tests/test_permission_matrix.py).

Each row's args make a fresh meeting (tests/meetings/matrix.py): in commune A (the province
admin holds the permission over it and is its chair, present) or in commune B (out of the
commune-A cadre's scope: 404). "nobody" holds no meeting permission and is not invited: 403.
Writes answer with a redirect (302) whether the service accepted them or said why not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hoiso.meetings import services
from hoiso.meetings.models import Participant
from tests.meetings.matrix import Args, _meeting, meeting


def with_item(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, m.agenda.first().pk]  # type: ignore[union-attr]

    return make


def with_site(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, m.sites.get(is_hub=True).pk]

    return make


def with_participant(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        return [m.pk, Participant.objects.get(meeting=m, user=u["admin"]).pk]

    return make


def _conclusion(t: Any, u: dict[str, Any], unit_attr: str) -> Any:
    m = _meeting(t, u, unit_attr)
    return services.conclusion_add(actor=None, meeting=m, text="Triển khai kế hoạch")


def with_conclusion(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        c = _conclusion(t, u, unit_attr)
        return [c.meeting_id, c.pk]

    return make


def task(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        c = _conclusion(t, u, unit_attr)
        owner = getattr(t, unit_attr)
        return [
            services.followup_add(actor=None, conclusion=c, owner_unit=owner, title="Báo cáo").pk
        ]

    return make


def meeting_rows(row: Callable[..., Any]) -> dict[str, Any]:
    a, b = "commune_a", "commune_b"

    def r(args: Args, out: Args, **kw: Any) -> Any:
        return row(args=args, out_of_scope=out, denied="nobody", **kw)

    def post(args: Args, out: Args, data: dict[str, Any] | None = None) -> Any:
        return r(args, out, method="post", ok=302, data=data or {})

    closed_a, closed_b = meeting(a, "closed"), meeting(b, "closed")
    return {
        "meetings:meeting_list": row(denied="nobody"),
        "meetings:meeting_create": row(denied="nobody"),
        "meetings:people_search": row(denied="nobody"),
        "meetings:task_list": row(denied="nobody"),
        "meetings:task_status": post(task(a), task(b), {"status": "done"}),
        "meetings:meeting_detail": r(meeting(a), meeting(b)),
        "meetings:meeting_edit": r(meeting(a), meeting(b)),
        "meetings:invitation_respond": post(meeting(a), meeting(b), {"answer": "accept"}),
        "meetings:meeting_schedule": post(meeting(a, "draft"), meeting(b, "draft")),
        "meetings:meeting_open": post(meeting(a, "draft"), meeting(b, "draft")),
        "meetings:meeting_close": post(meeting(a), meeting(b)),
        "meetings:site_add": post(meeting(a), meeting(b), {"site-name": "Phòng họp trực tuyến"}),
        "meetings:site_lead": post(with_site(a), with_site(b), {"lead-lead": "admin_tinh"}),
        "meetings:participant_list": r(meeting(a), meeting(b)),
        "meetings:participants_add": post(
            meeting(a),
            meeting(b),
            {"mode": "unit", "byunit-unit": "TN-PHOYEN", "byunit-role": "delegate"},
        ),
        "meetings:participant_update": post(
            with_participant(a), with_participant(b), {"p-role": "chair"}
        ),
        "meetings:item_add": post(meeting(a), meeting(b), {"item-title": "Nội dung 2"}),
        "meetings:item_edit": r(with_item(a), with_item(b)),
        "meetings:item_documents": r(with_item(a), with_item(b)),
        "meetings:vote_add": post(meeting(a), meeting(b), {"vote-question": "Tán thành?"}),
        "meetings:conclusion_add": post(meeting(a), meeting(b), {"conclusion-text": "Kết luận"}),
        "meetings:task_add": post(
            with_conclusion(a),
            with_conclusion(b),
            {"task-title": "Báo cáo", "task-owner_unit": "TN-PHOYEN", "task-remind_days_before": 3},
        ),
        "meetings:minutes_edit": r(closed_a, closed_b),
        "meetings:minutes_generate": post(closed_a, closed_b),
        "meetings:minutes_finalise": post(closed_a, closed_b),
    }
