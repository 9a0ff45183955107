"""The meeting room's notices and reminders, sent through hoiso.notifications.

Everything here is idempotent: each notice carries a dedupe key (one per recipient), so the
worker's sweep (``sweep``, registered in apps.py; at start and every 5 minutes) may run any
number of times, in several workers at once, and nobody hears the same thing twice.

- invitations: a participant of a scheduled meeting that has not started, who has not yet
  answered, gets one invitation (``invitations_send``; the sweep finds everyone invited since
  its last run, so the people services need not call it — they may, for no delay);
- before the start: one reminder per threshold of ``MEETINGS_REMIND_HOURS`` (24 and 1 by
  default; only the nearest threshold when several are already passed) to participants who did
  not decline; a meeting moved to another time is reminded again;
- follow-up tasks (``followups_due``): "due soon" once, "due today", then "overdue" once a week,
  to the cadres of the owner unit (holders of ``meetings.change_meeting`` there; the nearest
  unit above when it has none);
- opinion forms: "new form" to its recipients (at once after commit, and by the sweep),
  "due soon" ``OPINIONS_REMIND_HOURS`` before the deadline to those who have not answered, and
  after the deadline one "overdue" warning to the organisers listing who did not answer.

A secret meeting's notices say nothing of it but that there is one (no title in e-mails).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hoiso.meetings import selectors, selectors_opinions
from hoiso.meetings.models import (
    DRIVING_ROLES,
    FollowUpTask,
    Invitation,
    Meeting,
    MeetingState,
    OpinionForm,
)
from hoiso.notifications.services import notify_users

log = logging.getLogger(__name__)

OVERDUE_LOOKBACK = dt.timedelta(days=7)
MISSING_LISTED = 30


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(f"meetings:{name}", args=args)
    except NoReverseMatch:  # the page is not there (yet): the bell still tells
        return ""


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "H:i d/m/Y")


def _send(
    meeting: Meeting,
    users: Iterable[Any],
    *,
    kind: str,
    key: str,
    title: str,
    body: str,
    url: str,
    obj: Any = None,
) -> int:
    if meeting.secret:
        title = _("A notice about a secret meeting")
        body = _("Open Hội Số to read it.")
    made = notify_users(
        users,
        kind=kind,
        title=title,
        body=body,
        url=url,
        key=key,
        obj=obj if obj is not None else meeting,
        unit=meeting.unit,
    )
    return len(made)


# --- invitations and reminders before the start ---------------------------------------------


def invitations_send(meeting: Meeting | None = None, *, now: dt.datetime | None = None) -> int:
    """Invitations to the participants of scheduled meetings that have not started who have
    not answered and were not invited yet (one meeting, or all). Returns how many were sent."""
    now = now or timezone.now()
    qs = Meeting.objects.filter(state=MeetingState.SCHEDULED, starts_at__gt=now)
    if meeting is not None:
        qs = qs.filter(pk=meeting.pk)
    sent = 0
    for m in qs.select_related("unit"):
        users = [
            p.user
            for p in m.participants.filter(invitation=Invitation.PENDING).select_related("user")
        ]
        place = f" — {m.place}" if m.place else ""
        sent += _send(
            m,
            users,
            kind="meetings.invitation",
            key=f"meetings.invitation:{m.pk}",
            title=_("Invitation: %(title)s") % {"title": m.title},
            body=_("%(when)s%(place)s. Please accept or decline the invitation.")
            % {"when": _when(m.starts_at), "place": place},
            url=_url("meeting_detail", m.pk),
        )
    return sent


def remind_hours() -> list[int]:
    return sorted({int(h) for h in getattr(settings, "MEETINGS_REMIND_HOURS", [24, 1]) if h > 0})


def meeting_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Before the start: to the participants who did not decline, once per threshold."""
    now = now or timezone.now()
    hours = remind_hours()
    if not hours:
        return 0
    horizon = now + dt.timedelta(hours=hours[-1])
    meetings = Meeting.objects.filter(
        state=MeetingState.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon
    ).select_related("unit")
    sent = 0
    for m in meetings:
        left = m.starts_at - now
        # the nearest threshold only: a meeting set up 30 minutes ahead gets the 1-hour one
        h = min(x for x in hours if left <= dt.timedelta(hours=x))
        users = [
            p.user
            for p in m.participants.exclude(invitation=Invitation.DECLINED).select_related("user")
        ]
        sent += _send(
            m,
            users,
            kind="meetings.reminder",
            key=f"meetings.remind:{m.pk}:{h}h:{m.starts_at:%Y%m%d%H%M}",
            title=_("Reminder: %(title)s at %(when)s")
            % {"title": m.title, "when": _when(m.starts_at)},
            body=m.place,
            url=_url("meeting_detail", m.pk),
        )
    return sent


# --- follow-up tasks -------------------------------------------------------------------------


def task_recipients(task: FollowUpTask) -> list[Any]:
    """The cadres of the task's owner unit: active users holding ``meetings.change_meeting``
    by an assignment at that unit; when it has none, at the nearest unit above."""
    from hoiso.accounts.models import RoleAssignment, User

    today = timezone.localdate()
    app_label, codename = selectors.CHANGE.split(".")
    unit: Any = task.owner_unit
    while unit is not None:
        assignments = RoleAssignment.objects.filter(
            unit=unit,
            valid_from__lte=today,
            role__permissions__codename=codename,
            role__permissions__content_type__app_label=app_label,
            role__self_only=False,
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        users = list(
            User.objects.filter(pk__in=assignments.values("user_id"), is_active=True).order_by("pk")
        )
        if users:
            return users
        unit = unit.parent
    return []


def followup_reminders_send(*, today: dt.date | None = None) -> int:
    """Follow-up tasks whose reminder day has come: "due soon" once, "due today", then
    "overdue" once a week."""
    from hoiso.meetings.services import followups_due

    today = today or timezone.localdate()
    sent = 0
    for task in followups_due(today):
        assert task.deadline is not None
        meeting = task.conclusion.meeting
        if today < task.deadline:
            stage, title = "soon", _("Task due on %(date)s: %(task)s")
        elif today == task.deadline:
            stage, title = "today", _("Task due today: %(task)s")
        else:
            weeks = (today - task.deadline).days // 7
            stage, title = f"overdue{weeks}", _("Task overdue since %(date)s: %(task)s")
        n = _send(
            meeting,
            task_recipients(task),
            kind="meetings.task",
            key=f"meetings.task:{task.pk}:{stage}",
            title=title % {"task": task.title, "date": task.deadline.strftime("%d/%m/%Y")},
            body=_("From the meeting “%(meeting)s”, for %(unit)s.")
            % {"meeting": meeting.title, "unit": task.owner_unit.name},
            url=_url("task_list"),
            obj=task,
        )
        if n:
            FollowUpTask.objects.filter(pk=task.pk).update(
                last_reminded_at=timezone.now(), reminders_sent=task.reminders_sent + 1
            )
        sent += n
    return sent


# --- opinion forms ---------------------------------------------------------------------------


def opinion_form_announce(form: OpinionForm, *, now: dt.datetime | None = None) -> int:
    """Tell the recipients who have not answered that a form waits for them (once)."""
    if not selectors_opinions.is_open(form, now):
        return 0
    meeting = form.meeting
    return _send(
        meeting,
        selectors_opinions.missing_users(form),
        kind="meetings.opinion",
        key=f"meetings.opinion:{form.pk}:new",
        title=_("Opinion requested: %(title)s") % {"title": form.title},
        body=_("Meeting “%(meeting)s”. Please answer by %(when)s.")
        % {"meeting": meeting.title, "when": _when(form.deadline)},
        url=_url("opinion_answer", meeting.pk, form.pk),
        obj=form,
    )


def opinion_organisers(form: OpinionForm) -> list[Any]:
    """Who hears that a form is overdue: its author and the chair and secretary, each only
    while she may still manage the meeting."""
    meeting = form.meeting
    people = [p.user for p in meeting.participants.filter(role__in=DRIVING_ROLES)]
    if form.created_by is not None:
        people.append(form.created_by)
    unique = {u.pk: u for u in people}
    return [
        u
        for u in unique.values()
        if selectors.meetings_visible(u).filter(pk=meeting.pk).exists()
        and selectors.can_manage(u, meeting)
    ]


def opinion_reminders_send(*, now: dt.datetime | None = None) -> int:
    """New forms not yet announced, "due soon" to those who have not answered, and one
    "overdue" warning per form to its organisers with the missing respondents."""
    now = now or timezone.now()
    soon = dt.timedelta(hours=getattr(settings, "OPINIONS_REMIND_HOURS", 24))
    sent = 0
    open_forms = OpinionForm.objects.filter(deadline__gt=now).select_related("meeting__unit")
    for form in open_forms:
        sent += opinion_form_announce(form, now=now)
        # a form sent inside the "soon" window has just been announced: no second notice
        if form.deadline - now <= soon and form.created_at <= form.deadline - soon:
            meeting = form.meeting
            sent += _send(
                meeting,
                selectors_opinions.missing_users(form),
                kind="meetings.opinion.soon",
                key=f"meetings.opinion:{form.pk}:soon",
                title=_("Opinion due by %(when)s: %(title)s")
                % {"title": form.title, "when": _when(form.deadline)},
                body=_("You have not answered yet. Meeting “%(meeting)s”.")
                % {"meeting": meeting.title},
                url=_url("opinion_answer", meeting.pk, form.pk),
                obj=form,
            )
    overdue = OpinionForm.objects.filter(
        deadline__lte=now, deadline__gt=now - OVERDUE_LOOKBACK
    ).select_related("meeting__unit", "created_by")
    for form in overdue:
        missing = [str(u) for u in selectors_opinions.missing_users(form)]
        if not missing:
            continue
        listed = ", ".join(sorted(missing)[:MISSING_LISTED])
        if len(missing) > MISSING_LISTED:
            listed += " " + _("and %(n)d more") % {"n": len(missing) - MISSING_LISTED}
        meeting = form.meeting
        sent += _send(
            meeting,
            opinion_organisers(form),
            kind="meetings.opinion.overdue",
            key=f"meetings.opinion:{form.pk}:overdue",
            title=_("Opinion form overdue, %(n)d not answered: %(title)s")
            % {"n": len(missing), "title": form.title},
            body=_("Not answered by the deadline: %(names)s.") % {"names": listed},
            url=_url("opinion_summary", meeting.pk, form.pk),
            obj=form,
        )
    return sent


# --- the sweep -------------------------------------------------------------------------------

PARTS: list[Callable[[], int]] = [
    invitations_send,
    meeting_reminders_send,
    followup_reminders_send,
    opinion_reminders_send,
]


def sweep() -> dict[str, int]:
    """Every reminder once (the worker runs this at start and every 5 minutes); one part's
    failure is logged and does not stop the others. Texts in the site's language."""
    counts: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for part in PARTS:
            try:
                counts[part.__name__] = part()
            except Exception:  # a reminder's failure must not stop the other reminders
                log.exception("meeting reminders: %s failed", part.__name__)
    return counts
