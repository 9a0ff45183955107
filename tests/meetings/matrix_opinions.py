"""The opinion forms' rows of the access matrix (tests/test_permission_matrix.py).

A fresh meeting per row (tests/meetings/matrix.py: commune A, the province admin chairs it) with
a form asking every participant; commune B's for the commune-A cadre (404); "nobody" holds no
meeting permission and is not invited (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from hoiso.meetings import services
from tests.meetings.matrix import _meeting, meeting

Args = Callable[[Any, dict[str, Any]], list[Any]]
DEADLINE = (timezone.now() + dt.timedelta(days=30)).isoformat()


def with_form(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        m = _meeting(t, u, unit_attr)
        form = services.opinion_form_create(
            actor=None,
            meeting=m,
            title="Góp ý dự thảo nghị quyết",
            deadline=timezone.now() + dt.timedelta(days=3),
        )
        return [m.pk, form.pk]

    return make


def meeting_rows(row: Callable[..., Any]) -> dict[str, Any]:
    def r(args: Args, out: Args, **kw: Any) -> Any:
        return row(args=args, out_of_scope=out, denied="nobody", **kw)

    a, b = "commune_a", "commune_b"
    return {
        "meetings:opinion_list": r(meeting(a), meeting(b)),
        "meetings:opinion_create": r(meeting(a), meeting(b)),
        **{
            f"meetings:{name}": r(with_form(a), with_form(b))
            for name in ("opinion_answer", "opinion_summary", "opinion_export")
        },
        "api:opinion_list": r(meeting(a), meeting(b), api=True),
        "api:opinion_create": r(
            meeting(a),
            meeting(b),
            api=True,
            method="post",
            ok=201,
            data={"title": "Góp ý dự thảo", "deadline": DEADLINE, "questions": ["Điều 1"]},
        ),
        **{
            f"api:{name}": r(with_form(a), with_form(b), api=True)
            for name in ("opinion_detail", "opinion_summary")
        },
        "api:opinion_respond": r(
            with_form(a),
            with_form(b),
            api=True,
            method="put",
            data={"opinion": "Nhất trí với dự thảo."},
        ),
    }
