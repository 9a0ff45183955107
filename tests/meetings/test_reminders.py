"""The meeting room's notices: invitations, reminders before the start, follow-up tasks and
opinion forms. Every sweep may run again (or in two workers) without anyone hearing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from hoiso.core import jobs
from hoiso.meetings import reminders, services
from hoiso.meetings.models import FollowUpTask
from hoiso.notifications.models import Notification
from tests.conftest import make_user
from tests.meetings.conftest import START, Room, build_room
from tests.meetings.test_opinions import AGREE, answers, make_form, pass_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.NOTIFICATION_CHANNELS = ["inapp", "email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEETINGS_REMIND_HOURS = [24, 1]
    settings.OPINIONS_REMIND_HOURS = 24


def told(kind: str) -> set[Any]:
    return {n.recipient for n in Notification.objects.filter(kind=kind).select_related("recipient")}


def scheduled(room: Room) -> Room:
    services.meeting_schedule(actor=None, meeting=room.meeting)
    return room


def test_the_sweep_is_registered_with_the_worker():
    assert reminders.sweep in jobs._SWEEPS


# --- invitations -----------------------------------------------------------------------------


def test_scheduling_and_late_invitees_are_invited_at_once(
    room, users, django_capture_on_commit_callbacks
):
    """No wait for the sweep: scheduling sends the invitations when it commits, and people
    added to a scheduled meeting get theirs when that commits (the sweep adds nothing)."""
    meeting = room.meeting
    meeting.starts_at = timezone.now() + dt.timedelta(days=2)
    meeting.save(update_fields=["starts_at"])
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=None, meeting=meeting)
    assert told("meetings.invitation") == {
        room.chair,
        room.delegate,
        room.remote,
        room.absent,
        room.lead_a,
    }
    late = make_user("khach_moi", "cadre", room.hub.unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.participants_add(actor=None, meeting=meeting, users=[late])
    assert late in told("meetings.invitation")
    assert reminders.invitations_send() == 0


def test_invitations_go_to_everyone_invited_once(room, django_capture_on_commit_callbacks):
    everyone = {room.chair, room.delegate, room.remote, room.absent, room.lead_a}
    room.lead_a.email = "hoa@example.vn"
    room.lead_a.save()
    before = START - dt.timedelta(days=3)
    assert reminders.invitations_send(now=before) == 0  # a draft invites nobody
    scheduled(room)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.invitations_send(now=before) == 5
        assert reminders.invitations_send(now=before) == 0
    assert told("meetings.invitation") == everyone
    note = Notification.objects.get(kind="meetings.invitation", recipient=room.delegate)
    assert room.meeting.title in note.title and "08:00 05/03/2026" in note.body
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]
    # someone invited later gets hers on the next run; those who answered are not invited
    newcomer = make_user("daibieu9", None, None, full_name="Mai Thị Én")
    services.participants_add(actor=None, meeting=room.meeting, users=[newcomer])
    assert reminders.invitations_send(now=before) == 1
    assert newcomer in told("meetings.invitation")


def test_no_invitation_for_a_meeting_already_started(room):
    scheduled(room)
    assert reminders.invitations_send(now=START + dt.timedelta(minutes=1)) == 0


def test_answered_invitations_are_not_sent_again(room):
    scheduled(room)
    services.invitation_respond(actor=room.delegate, meeting=room.meeting, accept=True)
    reminders.invitations_send(now=START - dt.timedelta(days=1))
    assert room.delegate not in told("meetings.invitation")


# --- before the start ------------------------------------------------------------------------


def test_reminders_24_and_1_hour_before_to_those_who_did_not_decline(room):
    scheduled(room)
    services.invitation_respond(actor=room.absent, meeting=room.meeting, accept=False)
    assert reminders.meeting_reminders_send(now=START - dt.timedelta(hours=30)) == 0
    day_before = START - dt.timedelta(hours=20)
    assert reminders.meeting_reminders_send(now=day_before) == 4
    assert reminders.meeting_reminders_send(now=day_before + dt.timedelta(hours=1)) == 0
    assert reminders.meeting_reminders_send(now=START - dt.timedelta(minutes=50)) == 4
    assert reminders.meeting_reminders_send(now=START - dt.timedelta(minutes=10)) == 0
    assert reminders.meeting_reminders_send(now=START + dt.timedelta(minutes=1)) == 0
    notes = Notification.objects.filter(kind="meetings.reminder")
    assert notes.count() == 8
    assert room.absent not in told("meetings.reminder")


def test_a_meeting_set_up_late_gets_only_the_nearest_reminder(room):
    scheduled(room)
    assert reminders.meeting_reminders_send(now=START - dt.timedelta(minutes=30)) == 5
    assert reminders.meeting_reminders_send(now=START - dt.timedelta(minutes=20)) == 0
    keys = set(Notification.objects.values_list("key", flat=True))
    assert len(keys) == 1 and ":1h:" in keys.pop()


def test_a_meeting_moved_to_another_time_is_reminded_again(room):
    scheduled(room)
    reminders.meeting_reminders_send(now=START - dt.timedelta(hours=2))
    moved = START + dt.timedelta(days=1)
    services.meeting_update(actor=None, meeting=room.meeting, starts_at=moved)
    assert reminders.meeting_reminders_send(now=moved - dt.timedelta(hours=2)) == 5


def test_a_secret_meetings_notices_keep_its_title_out(tree, users):
    room = scheduled(build_room(tree, users, secret=True))
    room.delegate.email = "binh@example.vn"
    room.delegate.save()
    reminders.invitations_send(now=START - dt.timedelta(days=2))
    note = Notification.objects.get(kind="meetings.invitation", recipient=room.delegate)
    assert room.meeting.title not in note.title + note.body
    assert all(room.meeting.title not in m.subject + m.body for m in mail.outbox)


# --- follow-up tasks -------------------------------------------------------------------------


def task(room: Room, unit: Any, deadline: dt.date, days_before: int = 3) -> FollowUpTask:
    conclusion = services.conclusion_add(actor=None, meeting=room.meeting, text="Giao nhiệm vụ")
    return services.followup_add(
        actor=None,
        conclusion=conclusion,
        owner_unit=unit,
        title="Báo cáo chuyển đổi số",
        deadline=deadline,
        remind_days_before=days_before,
    )


def test_task_reminders_soon_today_then_weekly_when_overdue(room, tree, users):
    due = dt.date(2026, 4, 10)
    t = task(room, tree.commune_a, due)
    steps = [
        (due - dt.timedelta(days=4), 0),  # not yet
        (due - dt.timedelta(days=3), 1),  # due soon
        (due - dt.timedelta(days=2), 0),
        (due, 1),  # due today
        (due, 0),
        (due + dt.timedelta(days=1), 1),  # overdue
        (due + dt.timedelta(days=6), 0),
        (due + dt.timedelta(days=7), 1),  # a week later
    ]
    for today, expected in steps:
        assert reminders.followup_reminders_send(today=today) == expected, today
    assert told("meetings.task") == {users["cadre_a"]}
    t.refresh_from_db()
    assert t.reminders_sent == 4 and t.last_reminded_at is not None
    services.followup_set_status(actor=None, task=t, status="done")
    assert reminders.followup_reminders_send(today=due + dt.timedelta(days=14)) == 0


def test_a_unit_without_cadres_has_the_nearest_unit_above_reminded(room, tree, users):
    # the chapter's own leader holds no change permission: the commune's cadre hears it
    t = task(room, tree.chapter_a1, dt.date(2026, 4, 10))
    assert reminders.task_recipients(t) == [users["cadre_a"]]
    t2 = task(room, tree.commune_b, dt.date(2026, 4, 10))
    assert reminders.task_recipients(t2) == [users["cadre_b"]]


# --- opinion forms ---------------------------------------------------------------------------


def test_a_new_form_is_announced_to_its_recipients_once(room, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        form = make_form(room, participants=[room.p(room.delegate), room.p(room.remote)])
    assert told("meetings.opinion") == {room.delegate, room.remote}
    note = Notification.objects.filter(kind="meetings.opinion").first()
    assert note is not None and note.url.endswith(f"/opinions/{form.pk}/")
    assert reminders.opinion_reminders_send() == 0


def test_due_soon_goes_to_those_who_have_not_answered(room):
    form = make_form(room, deadline=timezone.now() + dt.timedelta(days=3))
    reminders.opinion_reminders_send()  # the announcement (the sweep catches it up)
    services.opinion_respond(actor=room.delegate, form=form, answers=answers(form, *[AGREE] * 3))
    assert reminders.opinion_reminders_send() == 0  # not due yet
    soon = form.deadline - dt.timedelta(hours=20)
    assert reminders.opinion_reminders_send(now=soon) == 4
    assert reminders.opinion_reminders_send(now=soon + dt.timedelta(hours=1)) == 0
    assert told("meetings.opinion.soon") == {room.chair, room.remote, room.absent, room.lead_a}


def test_a_form_sent_inside_the_window_is_not_reminded_twice(room):
    make_form(room, deadline=timezone.now() + dt.timedelta(hours=5))
    assert reminders.opinion_reminders_send() == 5  # the announcement only
    assert not told("meetings.opinion.soon")


def test_overdue_warning_to_the_organisers_with_the_missing(room, users):
    form = make_form(room, actor=users["province_cadre"])
    for user in (room.delegate, room.remote, room.chair):
        services.opinion_respond(actor=user, form=form, answers=answers(form, *[AGREE] * 3))
    reminders.opinion_reminders_send()
    assert not told("meetings.opinion.overdue")
    pass_deadline(form)
    assert reminders.opinion_reminders_send() == 2
    assert reminders.opinion_reminders_send() == 0
    # the form's author and the chair; no one outside the organisers
    assert told("meetings.opinion.overdue") == {users["province_cadre"], room.chair}
    note = Notification.objects.filter(kind="meetings.opinion.overdue").first()
    assert note is not None
    assert "Ngô Thị Dung" in note.body and "Nguyễn Thị Hoa" in note.body
    assert "Vũ Thị Cúc" not in note.body
    assert note.url.endswith(f"/opinions/{form.pk}/summary/")


def test_the_whole_sweep_twice_sends_nothing_new(room, django_capture_on_commit_callbacks):
    services.meeting_update(
        actor=None, meeting=room.meeting, starts_at=timezone.now() + dt.timedelta(minutes=45)
    )
    scheduled(room)
    make_form(room)
    task(room, room.meeting.unit, timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders.sweep()
        count = Notification.objects.count()
        mails = len(mail.outbox)
        second = reminders.sweep()
    assert first["invitations_send"] == 5 and first["meeting_reminders_send"] == 5
    assert first["followup_reminders_send"] >= 1 and first["opinion_reminders_send"] == 5
    assert set(second.values()) == {0}
    assert Notification.objects.count() == count and len(mail.outbox) == mails


def test_one_failing_part_does_not_stop_the_others(room, monkeypatch, caplog):
    def broken() -> int:
        raise RuntimeError("boom")

    scheduled(room)
    monkeypatch.setattr(reminders, "PARTS", [broken, reminders.invitations_send])
    counts = reminders.sweep()
    assert "broken" not in counts and counts["invitations_send"] >= 0
    assert "meeting reminders: broken failed" in caplog.text
