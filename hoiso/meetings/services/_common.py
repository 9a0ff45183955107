"""Permission checks and the audit-and-notice step every write ends with."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hoiso.core.access import has_perm_at
from hoiso.core.audit import audit
from hoiso.meetings import selectors
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    Meeting,
    MeetingState,
    Participant,
)
from hoiso.org.models import Unit

# --- permission helpers ----------------------------------------------------------------------


def require_add(actor: Any, unit: Unit) -> None:
    if actor is not None and not has_perm_at(actor, selectors.ADD, unit.path):
        raise PermissionDenied


def require_manage(actor: Any, meeting: Meeting) -> None:
    if actor is not None and not selectors.can_manage(actor, meeting):
        raise PermissionDenied


def require_drive(actor: Any, meeting: Meeting) -> None:
    if actor is not None and not selectors.can_drive(actor, meeting):
        raise PermissionDenied


def require_participant(actor: Any, meeting: Meeting) -> Participant:
    participant = selectors.participant_of(actor, meeting)
    if participant is None:
        raise PermissionDenied
    return participant


def require_live(meeting: Meeting) -> None:
    if meeting.state != MeetingState.OPEN:
        raise ValidationError(_("The meeting is not in session."))


def require_not_closed(meeting: Meeting) -> None:
    if meeting.state == MeetingState.CLOSED:
        raise ValidationError(_("The meeting is closed."))


def locked(meeting: Meeting) -> Meeting:
    """The meeting row again, locked for this transaction (PostgreSQL; SQLite serialises)."""
    return Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)


def record_write(
    actor: Any,
    meeting: Meeting,
    action: str,
    obj: Any,
    *,
    detail: dict[str, Any] | None = None,
    notice: str = "",
    **data: Any,
) -> None:
    """The end of every write: the audit row ``meetings.<action>`` on the meeting's host unit
    and, when ``notice`` names one, the live room's notice (sent after commit)."""
    audit(actor=actor, action=f"meetings.{action}", obj=obj, unit=meeting.unit, detail=detail)
    if notice:
        notify(meeting.pk, notice, **data)


def invite_on_commit(meeting: Meeting) -> None:
    """Send the pending invitations of a scheduled meeting once the transaction commits (the
    reminder sweep would send them within minutes anyway; a failure is logged, not raised)."""
    from hoiso.meetings import reminders

    transaction.on_commit(lambda: reminders.invitations_send(meeting), robust=True)
