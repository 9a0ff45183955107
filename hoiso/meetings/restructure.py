"""When units merge or split, the meeting room's open work follows the successor unit.

Registered in ``MeetingsConfig.ready`` (hoiso/org/restructure.py calls it inside the
restructuring transaction, and in its rolled-back preview). For each closed unit → successor
in ``unit_map``:

- meetings it hosts that are not closed (draft, scheduled, in session) move to the successor:
  the successor holds them from now on;
- its rooms (sites) in any meeting not closed, whoever hosts it, become the successor's (a
  site still named after the closed unit takes the successor's name);
- follow-up tasks it owns that are not finished (not started, in progress) move to the
  successor, whatever meeting gave them: open work is done by a unit that exists.

Closed meetings keep their host and sites, and finished tasks their owner: a meeting that has
sat is a record, and its minutes name the units as they were on the day (records keep their
history; the closed unit stays in the tree with its lineage naming the successor).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from hoiso.meetings.models import FollowUpTask, Meeting, MeetingState, Site, TaskStatus
from hoiso.org.models import Unit
from hoiso.org.restructure import Holding

OPEN_TASKS = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


def meetings_follow_restructure(
    *, unit_map: dict[int, int], actor: Any, effective_date: Any
) -> list[Holding]:
    """Mover: the open meetings, the rooms in open meetings and the unfinished follow-up tasks
    of each closed unit go to its successor (see the module's docstring)."""
    meetings = sites = tasks = 0
    names = dict(
        Unit.objects.filter(pk__in=[*unit_map, *unit_map.values()]).values_list("pk", "name")
    )
    for old, new in unit_map.items():
        open_meetings = Meeting.objects.filter(unit_id=old).exclude(state=MeetingState.CLOSED)
        meetings += open_meetings.update(unit_id=new)
        # the closed unit's rooms in every meeting not yet closed (its hubs included)
        rooms = Site.objects.filter(unit_id=old).exclude(meeting__state=MeetingState.CLOSED)
        rooms.filter(name=names.get(old, "")).update(name=names.get(new, F("name")))
        sites += rooms.update(unit_id=new)
        tasks += FollowUpTask.objects.filter(owner_unit_id=old, status__in=OPEN_TASKS).update(
            owner_unit_id=new
        )
    return [
        Holding(key="meetings", label=_("open meetings"), count=meetings),
        Holding(key="meeting_sites", label=_("meeting rooms (sites)"), count=sites),
        Holding(key="meeting_tasks", label=_("unfinished follow-up tasks"), count=tasks),
    ]
