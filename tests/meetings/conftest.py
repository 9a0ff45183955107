"""A province meeting linked with commune A's room, built through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from hoiso.meetings import services
from hoiso.meetings.models import AgendaItem, Attendance, Meeting, Participant, Site
from tests.conftest import Tree, make_user

START = timezone.make_aware(dt.datetime(2026, 3, 5, 8, 0))


@dataclass
class Room:
    meeting: Meeting
    hub: Site
    site_a: Site
    item1: AgendaItem
    item2: AgendaItem
    chair: Any
    delegate: Any  # present in person at the hub
    remote: Any  # at commune A's site, checked in by its lead
    absent: Any
    lead_a: Any

    def p(self, user: Any) -> Participant:
        return Participant.objects.get(meeting=self.meeting, user=user)


def build_room(tree: Tree, users: dict[str, Any], *, secret: bool = False) -> Room:
    chair = users["leader"]
    meeting = services.meeting_create(
        actor=users["province_cadre"],
        unit=tree.province,
        title="Hội nghị Ban Chấp hành mở rộng",
        kind="bch",
        starts_at=START,
        place="Hội trường tỉnh",
        secret=secret,
        chair=chair,
    )
    hub = meeting.sites.get(is_hub=True)
    lead_a = users["cadre_a"]
    site_a = services.site_add(actor=chair, meeting=meeting, unit=tree.commune_a, lead=lead_a)
    delegate = make_user("daibieu1", None, None, full_name="Đỗ Thị Bình")
    remote = make_user("daibieu2", None, None, full_name="Vũ Thị Cúc")
    absent = make_user("daibieu3", None, None, full_name="Ngô Thị Dung")
    services.participants_add(actor=chair, meeting=meeting, users=[delegate, absent], site=hub)
    services.participants_add(actor=chair, meeting=meeting, users=[remote], site=site_a)
    item1 = services.agenda_item_add(
        actor=chair, meeting=meeting, title="Báo cáo kết quả quý I", presenter=chair,
        planned_minutes=20,
    )  # fmt: skip
    item2 = services.agenda_item_add(
        actor=chair, meeting=meeting, title="Thông qua nghị quyết", presenter_name="Văn phòng"
    )
    room = Room(meeting, hub, site_a, item1, item2, chair, delegate, remote, absent, lead_a)
    services.attendance_mark(actor=chair, participant=room.p(chair), attendance="in_person")
    services.attendance_mark(actor=chair, participant=room.p(delegate), attendance="in_person")
    services.attendance_mark(actor=lead_a, participant=room.p(remote), attendance="online")
    services.attendance_mark(actor=lead_a, participant=room.p(lead_a), attendance="in_person")
    services.attendance_mark(
        actor=chair, participant=room.p(absent), attendance=Attendance.ABSENT, reason="Ốm"
    )
    room.meeting.refresh_from_db()
    return room


@pytest.fixture
def room(tree: Tree, users: dict[str, Any]) -> Room:
    return build_room(tree, users)


def says(text: str) -> str:
    """The pattern of a service message as the user reads it (the catalogue's Vietnamese)."""
    import re

    from django.utils.translation import gettext

    return re.escape(gettext(text))
