"""Meetings through a merge and a split (driven by the org restructuring services): open
meetings, their rooms and unfinished tasks of a closed unit go to its successor; a meeting that
has sat and a finished task keep the unit they had."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from hoiso.meetings import services
from hoiso.meetings.models import FollowUpTask, Meeting, Site
from hoiso.org import services as org_services
from hoiso.org.models import Unit

MERGE_DAY = dt.date(2025, 7, 1)


@dataclass
class Held:
    draft: Meeting  # hosted by commune A, not yet held
    sat: Meeting  # hosted by commune A, closed
    province: Meeting  # hosted by the province, commune A's room linked, in session
    sat_province: Meeting  # closed province meeting with commune A's room
    site_open: Site
    site_closed: Site
    task_open: FollowUpTask
    task_done: FollowUpTask
    task_of_b: FollowUpTask


def meeting(unit: Unit, title: str, *, state: str = "draft") -> Meeting:
    m = services.meeting_create(actor=None, unit=unit, title=title, starts_at=timezone.now())
    services.agenda_item_add(actor=None, meeting=m, title="Nội dung")
    if state in ("open", "closed"):
        services.meeting_open(actor=None, meeting=m)
    if state == "closed":
        services.meeting_close(actor=None, meeting=m)
    m.refresh_from_db()
    return m


def task(m: Meeting, unit: Unit, title: str, *, status: str = "open") -> FollowUpTask:
    conclusion = services.conclusion_add(actor=None, meeting=m, text=f"Giao {unit.name}")
    t = services.followup_add(actor=None, conclusion=conclusion, owner_unit=unit, title=title)
    if status != "open":
        t = services.followup_set_status(actor=None, task=t, status=status)
    return t


@pytest.fixture
def held(tree: Any) -> Held:
    a, b = tree.commune_a, tree.commune_b
    draft = meeting(a, "Giao ban tháng 8")
    province = meeting(tree.province, "Hội nghị BCH", state="open")
    site_open = services.site_add(actor=None, meeting=province, unit=a)
    sat_province = meeting(tree.province, "Hội nghị quý I")
    site_closed = services.site_add(actor=None, meeting=sat_province, unit=a)
    services.meeting_open(actor=None, meeting=sat_province)
    task_open = task(sat_province, a, "Rà soát hội viên")
    task_done = task(sat_province, a, "Báo cáo quý I", status="done")
    task_of_b = task(sat_province, b, "Tập huấn chuyển đổi số", status="in_progress")
    services.meeting_close(actor=None, meeting=sat_province)
    sat = meeting(a, "Giao ban tháng 5", state="closed")
    return Held(
        draft, sat, province, sat_province, site_open, site_closed, task_open, task_done, task_of_b
    )


def fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def test_merge_moves_open_work_and_keeps_history(tree: Any, users: Any, held: Held) -> None:
    result = org_services.unit_merge(
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Hội LHPN phường Phổ Yên mới",
        new_code="TN-PHOYEN-MOI",
        effective_date=MERGE_DAY,
    )
    new = Unit.objects.get(code="TN-PHOYEN-MOI")
    a = tree.commune_a
    # open work follows the successor
    assert fresh(held.draft).unit_id == new.pk
    assert fresh(held.draft).sites.get(is_hub=True).unit_id == new.pk
    assert fresh(held.draft).sites.get(is_hub=True).name == new.name
    site = fresh(held.site_open)
    assert site.unit_id == new.pk and site.name == new.name
    assert fresh(held.task_open).owner_unit_id == new.pk
    assert fresh(held.task_of_b).owner_unit_id == new.pk
    # records keep the units they had
    assert fresh(held.sat).unit_id == a.pk
    assert fresh(held.sat).sites.get(is_hub=True).unit_id == a.pk
    closed_site = fresh(held.site_closed)
    assert closed_site.unit_id == a.pk and closed_site.name == a.name
    assert fresh(held.task_done).owner_unit_id == a.pk
    assert fresh(held.province).unit_id == tree.province.pk  # not a closed unit's: untouched
    # the counts the restructuring reports (and stores on its event)
    counts = {h.key: h.count for h in result.holdings}
    assert counts["meetings"] == 1
    assert counts["meeting_sites"] == 2  # the draft's hub and commune A's room in the province's
    assert counts["meeting_tasks"] == 2
    # the new commune's cadre (her assignment moved too) now manages the moved meeting
    from hoiso.meetings import selectors

    assert selectors.can_manage(users["cadre_a"], fresh(held.draft))


def test_preview_moves_nothing(tree: Any, users: Any, held: Held) -> None:
    preview = org_services.preview(
        org_services.unit_merge,
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Hội LHPN phường Phổ Yên mới",
        new_code="TN-PHOYEN-MOI",
        effective_date=MERGE_DAY,
    )
    counts = {h.key: h.count for h in preview.holdings}
    assert counts["meetings"] == 1 and counts["meeting_tasks"] == 2
    assert fresh(held.draft).unit_id == tree.commune_a.pk
    assert fresh(held.task_open).owner_unit_id == tree.commune_a.pk


def test_split_sends_open_work_to_the_part_chosen_for_holdings(
    tree: Any, users: Any, held: Held
) -> None:
    org_services.unit_split(
        actor=users["admin"],
        source=tree.commune_a,
        parts=[
            org_services.SplitPart(
                code="TN-PY-BAC", name="Phổ Yên Bắc", children=[tree.chapter_a1]
            ),
            org_services.SplitPart(
                code="TN-PY-NAM", name="Phổ Yên Nam", children=[tree.chapter_a2]
            ),
        ],
        holdings_to=0,
        effective_date=MERGE_DAY,
    )
    north = Unit.objects.get(code="TN-PY-BAC")
    assert fresh(held.draft).unit_id == north.pk
    assert fresh(held.site_open).unit_id == north.pk
    assert fresh(held.task_open).owner_unit_id == north.pk
    assert fresh(held.sat).unit_id == tree.commune_a.pk
    assert fresh(held.task_of_b).owner_unit_id == tree.commune_b.pk  # B was not split
