"""Meetings through the services: visibility, attendance, speakers, a scripted meeting's minutes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from hoiso.accounts.models import User
from hoiso.core.models import AuditLog
from hoiso.meetings import selectors, services
from hoiso.meetings.models import Meeting, MinutesState, SpeakingState
from tests.meetings.conftest import build_room, says


def test_secret_meeting_invisible_to_non_participants_superusers_included(tree, users):
    room = build_room(tree, users, secret=True)
    public = build_room_plain(tree, users)
    root = User.objects.create_superuser("goc", password="x")
    for outsider in (users["admin"], users["province_cadre_other"], root):
        assert not selectors.meetings_visible(outsider).filter(pk=room.meeting.pk).exists()
        assert selectors.meetings_visible(outsider).filter(pk=public.pk).exists()
        assert selectors.meeting_count(outsider) == 1
        assert room.meeting.pk not in Meeting.objects.restrict(outsider).values_list(
            "pk", flat=True
        )
        with pytest.raises(Http404):
            selectors.meeting_get(outsider, room.meeting.pk)
    # the creator (made secretary) and every participant see it; the view is audited
    assert selectors.meetings_visible(users["province_cadre"]).filter(pk=room.meeting.pk).exists()
    selectors.meeting_get(room.remote, room.meeting.pk, record=True)
    assert AuditLog.objects.filter(
        action="meetings.meeting.view", object_id=str(room.meeting.pk), actor=room.remote
    ).exists()


def build_room_plain(tree, users) -> Meeting:
    return services.meeting_create(
        actor=None, unit=tree.province, title="Giao ban tháng 3", starts_at=timezone.now()
    )


@pytest.fixture
def users(users, tree):
    from tests.conftest import make_user

    users["province_cadre_other"] = make_user("canbo_tinh2", "cadre", tree.province)
    return users


def test_participants_see_meetings_outside_their_scope_others_get_403_or_404(room, users):
    # the remote delegate has no role at all, yet sees the meeting she is invited to
    assert selectors.meeting_get(room.remote, room.meeting.pk) == room.meeting
    with pytest.raises(PermissionDenied):
        selectors.meeting_get(users["nobody"], room.meeting.pk)
    with pytest.raises(Http404):  # commune B's cadre holds the permission, not over the province
        selectors.meeting_get(users["cadre_b"], room.meeting.pk)


def test_attendance_by_site_lead_only_for_her_site_and_qr_checkin(room, users):
    with pytest.raises(PermissionDenied):  # the delegate sits at the hub, not at commune A
        services.attendance_mark(
            actor=room.lead_a, participant=room.p(room.delegate), attendance="absent", reason="x"
        )
    with pytest.raises(ValidationError):
        services.attendance_mark(
            actor=room.chair, participant=room.p(room.remote), attendance="absent"
        )  # fmt: skip  (no reason)
    services.attendance_mark(actor=room.chair, participant=room.p(room.remote),
                             attendance="not_checked")  # fmt: skip
    p = services.checkin_by_code(actor=room.remote, code=room.hub.checkin_code)
    assert p.attendance == "in_person" and p.site == room.hub
    with pytest.raises(PermissionDenied):
        services.checkin_by_code(actor=users["admin"], code=room.hub.checkin_code)
    with pytest.raises(ValidationError):
        services.checkin_by_code(actor=room.remote, code="wrong")
    board = {line.name: line for line in selectors.attendance_board(room.meeting)}
    assert board[room.hub.name].present == 3  # chair, delegate, remote
    assert board[room.site_a.name].present == 1  # the lead


def test_speaking_requests_keep_order_and_durations(room):
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    first = services.speaking_raise(actor=room.remote, item=room.item1)
    second = services.speaking_raise(actor=room.delegate, item=room.item1)
    with pytest.raises(ValidationError):
        services.speaking_raise(actor=room.delegate, item=room.item1)
    with pytest.raises(ValidationError):  # absent people do not ask for the floor
        services.speaking_raise(actor=room.absent, item=room.item1)
    assert [r.pk for r in selectors.speaking_list(room.item1)] == [first.pk, second.pk]
    with pytest.raises(PermissionDenied):
        services.speaking_grant(actor=room.delegate, request=first)
    services.speaking_grant(actor=room.chair, request=first)
    services.speaking_start(actor=room.chair, request=first)
    first.refresh_from_db()
    first.started_at = first.started_at - dt.timedelta(seconds=95)
    first.save(update_fields=["started_at"])
    services.speaking_start(actor=room.chair, request=second)  # stops the first speaker
    first.refresh_from_db()
    assert first.state == SpeakingState.DONE and first.duration_seconds == 95
    services.speaking_stop(actor=room.chair, request=second)
    again = services.speaking_raise(actor=room.remote, item=room.item1)
    services.speaking_withdraw(actor=room.remote, request=again)
    totals = selectors.speaking_totals(room.item1)
    assert totals[0]["name"] == "Vũ Thị Cúc" and totals[0]["seconds"] == 95
    assert {t["participant"] for t in totals} == {first.participant_id, second.participant_id}


def test_minutes_of_a_scripted_meeting(room, tree):
    chair = room.chair
    services.meeting_open(actor=chair, meeting=room.meeting)
    request = services.speaking_raise(actor=room.remote, item=room.item1)
    services.speaking_start(actor=chair, request=request)
    services.speaking_stop(actor=chair, request=request)
    services.agenda_set_current(actor=chair, meeting=room.meeting, item=room.item2)
    vote = services.vote_create(actor=chair, meeting=room.meeting, question="Tán thành dự thảo?",
                                item=room.item2)  # fmt: skip
    services.vote_open(actor=chair, vote=vote)
    for who, choice in ((room.delegate, "agree"), (room.remote, "agree"), (chair, "disagree")):
        services.vote_cast(actor=who, vote=vote, choice=choice)
    services.vote_close(actor=chair, vote=vote)
    conclusion = services.conclusion_add(
        actor=chair, meeting=room.meeting, text="Giao các xã hoàn thành báo cáo", item=room.item2
    )
    services.followup_add(actor=chair, conclusion=conclusion, owner_unit=tree.commune_a,
                          title="Nộp báo cáo quý I", deadline=dt.date(2026, 3, 31))  # fmt: skip
    early = services.minutes_generate(actor=chair, meeting=room.meeting)
    with pytest.raises(
        ValidationError, match=says("Close the meeting before finalising its minutes.")
    ):
        services.minutes_finalise(actor=chair, minutes=early)
    services.meeting_close(actor=chair, meeting=room.meeting)
    minutes = room.meeting.minutes
    body = minutes.body
    for expected in (
        "Hội nghị Ban Chấp hành mở rộng",
        room.hub.name,
        room.site_a.name,
        "Ngô Thị Dung: Ốm",  # absent, with the reason
        "1. Báo cáo kết quả quý I",
        "2. Thông qua nghị quyết",
        "Vũ Thị Cúc",  # spoke on item 1
        "Văn phòng",  # presenter of item 2
        "Giao các xã hoàn thành báo cáo",
        "Nộp báo cáo quý I",
        "31/03/2026",
    ):
        assert expected in body, (expected, body)
    vote_line = next(line for line in body.splitlines() if "Tán thành dự thảo?" in line)
    # eligible 5, present 4, voted 3; 2 agree, 1 disagree, 0 abstain
    assert [int(n) for n in re.findall(r"\d+", vote_line)] == [5, 4, 3, 2, 1, 0]
    # editable until the chair finalises; the secretary (or an organiser) edits, only the chair
    # finalises
    services.minutes_update(actor=chair, minutes=minutes, body=body + "Thư ký ghi thêm.\n")
    with pytest.raises(PermissionDenied):
        services.minutes_finalise(actor=room.delegate, minutes=minutes)
    services.minutes_finalise(actor=chair, minutes=minutes)
    minutes.refresh_from_db()
    assert minutes.state == MinutesState.FINAL and minutes.body.endswith("Thư ký ghi thêm.\n")
    with pytest.raises(ValidationError):
        services.minutes_update(actor=chair, minutes=minutes, body="")


def test_participants_by_unit_and_role(room, tree, users):
    added = services.participants_add(
        actor=room.chair, meeting=room.meeting, unit=tree.province, unit_role="cadre"
    )
    assert {p.user for p in added} == {users["province_cadre"], users["province_cadre_other"]}
    added = services.participants_add(
        actor=room.chair, meeting=room.meeting, unit=tree.commune_a, subtree=True
    )
    # commune A's cadre is already in (site lead); the chapter leader and the member are added
    assert {p.user.username for p in added} == {"chihoi_a1", "hoivien"}


def test_only_drivers_move_the_agenda(room):
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    assert room.meeting.__class__.objects.get(pk=room.meeting.pk).current_item == room.item1
    with pytest.raises(PermissionDenied):
        services.agenda_set_current(actor=room.delegate, meeting=room.meeting, item=room.item2)
    services.agenda_set_current(actor=room.chair, meeting=room.meeting, item=room.item2)
    room.item1.refresh_from_db()
    assert room.item1.ended_at is not None


def test_api_hides_secret_meetings_from_lists_and_answers_404(tree, users):
    from tests.conftest import client_for

    room = build_room(tree, users, secret=True)
    plain = build_room_plain(tree, users)
    url = f"/api/v1/meetings/{room.meeting.pk}"
    admin = client_for(users["admin"])  # holds the permission over the province
    assert [m["id"] for m in admin.get("/api/v1/meetings/").json()] == [plain.pk]
    assert admin.get(url).status_code == 404
    assert admin.get(url + "/votes").status_code == 404
    member = client_for(room.remote)  # invited, no role anywhere
    assert member.get(url).status_code == 200
    assert [m["id"] for m in member.get("/api/v1/meetings/").json()] == [room.meeting.pk]
    assert client_for(users["nobody"]).get("/api/v1/meetings/").status_code == 403
