"""Conclusions and the follow-up tasks they become."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import has_perm_at
from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors
from hoiso.meetings.models import (
    AgendaItem,
    Conclusion,
    FollowUpTask,
    Meeting,
    TaskStatus,
)
from hoiso.meetings.services._common import record_write, require_manage
from hoiso.org.models import Unit

# --- conclusions and follow-up tasks ---------------------------------------------------------


@transaction.atomic
def conclusion_add(
    *, actor: Any, meeting: Meeting, text: str, item: AgendaItem | None = None
) -> Conclusion:
    require_manage(actor, meeting)
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise ValidationError({"text": [_("The conclusion is empty.")]})
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    last = meeting.conclusions.aggregate(m=Max("position"))["m"]
    conclusion = Conclusion.objects.create(
        meeting=meeting, item=item, text=text, position=(last or 0) + 1, created_by=actor
    )
    record_write(actor, meeting, "conclusion.add", conclusion, notice="conclusions.changed")
    return conclusion


@transaction.atomic
def followup_add(
    *,
    actor: Any,
    conclusion: Conclusion,
    owner_unit: Unit,
    title: str,
    deadline: dt.date | None = None,
    remind_days_before: int = 3,
) -> FollowUpTask:
    meeting = conclusion.meeting
    require_manage(actor, meeting)
    title = nfc(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("The task needs a title.")]})
    task = FollowUpTask.objects.create(
        conclusion=conclusion,
        owner_unit=owner_unit,
        title=title,
        deadline=deadline,
        remind_days_before=remind_days_before,
    )
    audit(
        actor=actor,
        action="meetings.task.add",
        obj=task,
        unit=owner_unit,
        detail={"meeting": meeting.pk},
    )
    return task


@transaction.atomic
def followup_set_status(*, actor: Any, task: FollowUpTask, status: str) -> FollowUpTask:
    """The owner unit (change permission there) or the meeting's organisers move a task."""
    meeting = task.conclusion.meeting
    if actor is not None and not (
        has_perm_at(actor, selectors.CHANGE, task.owner_unit.path)
        or selectors.can_manage(actor, meeting)
    ):
        raise PermissionDenied
    if status not in TaskStatus.values:
        raise ValidationError({"status": [_("Unknown task status.")]})
    task.status = status
    task.done_at = timezone.now() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "done_at"])
    audit(
        actor=actor,
        action="meetings.task.status",
        obj=task,
        unit=task.owner_unit,
        detail={"status": status},
    )
    return task


def followups_due(on: dt.date) -> list[FollowUpTask]:
    """Open tasks whose reminder day has come (for the reminder job of a later session)."""
    tasks = FollowUpTask.objects.filter(
        status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS], deadline__isnull=False
    ).select_related("owner_unit", "conclusion__meeting")
    return [
        t for t in tasks if t.deadline and on >= t.deadline - dt.timedelta(t.remind_days_before)
    ]
