"""The draft minutes (biên bản) as plain text, built from what happened in the meeting: sites
and attendance, the agenda, who spoke how long, votes with their counts, conclusions and their
follow-up tasks. The secretary edits the text; the chair finalises it. (The .docx/.pdf export in
the administrative layout comes later.)"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hoiso.meetings import selectors
from hoiso.meetings.models import (
    Attendance,
    Choice,
    Meeting,
    ParticipantRole,
    Vote,
    VoteState,
)


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local:%H:%M} {date_format(local, 'd/m/Y')}"


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"


def minutes_text(meeting: Meeting) -> str:
    lines: list[str] = []
    add = lines.append
    add(_("MINUTES OF THE MEETING"))
    add(meeting.title)
    add("")
    add(_("Kind: %(kind)s") % {"kind": meeting.get_kind_display()})
    add(_("Host: %(unit)s") % {"unit": meeting.unit.name})
    add(
        _("Time: from %(start)s to %(end)s")
        % {
            "start": _when(meeting.opened_at or meeting.starts_at),
            "end": _when(meeting.closed_at or meeting.ends_at),
        }
    )
    if meeting.place:
        add(_("Place: %(place)s") % {"place": meeting.place})
    people = list(selectors.participants(meeting))
    for role, label in (
        (ParticipantRole.CHAIR, _("Chair: %(names)s")),
        (ParticipantRole.SECRETARY, _("Secretary: %(names)s")),
    ):
        names = [str(p.user) for p in people if p.role == role]
        if names:
            add(label % {"names": ", ".join(names)})

    add("")
    add(_("I. ATTENDANCE"))
    for line in selectors.attendance_board(meeting):
        name = line.name or _("No site")
        hub = _(" (hub)") if line.is_hub else ""
        add(
            _(
                "- %(site)s%(hub)s: %(present)d of %(total)d present (%(in_person)d in person, "
                "%(online)d online), %(absent)d absent, %(unchecked)d not checked"
            )
            % {
                "site": name,
                "hub": hub,
                "present": line.present,
                "total": line.total,
                "in_person": line.counts.get(Attendance.IN_PERSON, 0),
                "online": line.counts.get(Attendance.ONLINE, 0),
                "absent": line.counts.get(Attendance.ABSENT, 0),
                "unchecked": line.counts.get(Attendance.NOT_CHECKED, 0),
            }
        )
    absent = [p for p in people if p.attendance == Attendance.ABSENT]
    if absent:
        add(_("Absent:"))
        for p in absent:
            add(f"  + {p.user}: {p.absence_reason}")

    add("")
    add(_("II. AGENDA"))
    numbers = selectors.agenda_numbers(meeting)
    conclusions = list(meeting.conclusions.prefetch_related("tasks__owner_unit").all())
    votes = list(selectors.meeting_votes(meeting))
    for item, depth in selectors.agenda_tree(meeting):
        indent = "  " * depth
        presenter = item.presenter_name or (str(item.presenter) if item.presenter else "")
        head = f"{indent}{numbers[item.pk]}. {item.title}"
        if presenter:
            head += " — " + _("presented by %(name)s") % {"name": presenter}
        add(head)
        speakers = selectors.speaking_totals(item)
        if speakers:
            add(indent + "  " + _("Speakers:"))
            for s in speakers:
                add(
                    indent
                    + "  "
                    + _("- %(name)s: %(n)d time(s), %(time)s")
                    % {"name": s["name"], "n": s["speeches"], "time": _duration(s["seconds"])}
                )
        for vote in (v for v in votes if v.item_id == item.pk):
            add(indent + "  " + _vote_line(vote))
        for c in (c for c in conclusions if c.item_id == item.pk):
            add(indent + "  " + _("Conclusion: %(text)s") % {"text": c.text})

    other_votes = [v for v in votes if v.item_id is None]
    if other_votes:
        add("")
        add(_("III. VOTES"))
        for vote in other_votes:
            add(_vote_line(vote))

    add("")
    add(_("IV. CONCLUSIONS"))
    if not conclusions:
        add(_("(none)"))
    for n, c in enumerate(conclusions, start=1):
        add(f"{n}. {c.text}")
        for task in c.tasks.all():
            deadline = date_format(task.deadline, "d/m/Y") if task.deadline else _("no deadline")
            add(
                "   "
                + _("Task: %(title)s — %(unit)s, by %(deadline)s")
                % {"title": task.title, "unit": task.owner_unit.name, "deadline": deadline}
            )
    add("")
    add(
        _("The meeting closed at %(time)s.") % {"time": _when(meeting.closed_at)}
        if meeting.closed_at
        else _("The meeting has not closed yet.")
    )
    return "\n".join(lines) + "\n"


def _vote_line(vote: Vote) -> str:
    kind = _("secret ballot") if vote.secret else _("open vote")
    if vote.state != VoteState.CLOSED:
        return _("Vote (%(kind)s): %(q)s — not closed") % {"kind": kind, "q": vote.question}
    return _(
        "Vote (%(kind)s): %(q)s — eligible %(eligible)d, present %(present)d, voted %(voted)d: "
        "%(agree_label)s %(agree)d, %(disagree_label)s %(disagree)d, %(abstain_label)s %(abstain)d"
    ) % {
        "kind": kind,
        "q": vote.question,
        "eligible": vote.eligible_count or 0,
        "present": vote.present_count or 0,
        "voted": vote.voted_count or 0,
        "agree_label": Choice.AGREE.label,
        "agree": vote.agree_count or 0,
        "disagree_label": Choice.DISAGREE.label,
        "disagree": vote.disagree_count or 0,
        "abstain_label": Choice.ABSTAIN.label,
        "abstain": vote.abstain_count or 0,
    }
