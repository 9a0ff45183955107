"""The minutes: generated from what happened, edited, finalised by the chair."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.meetings import selectors
from hoiso.meetings.models import (
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    ParticipantRole,
)
from hoiso.meetings.services._common import locked, record_write, require_manage

# --- minutes ---------------------------------------------------------------------------------


def minutes_write(meeting: Meeting, actor: Any) -> Minutes:
    from hoiso.meetings.minutes import minutes_text

    minutes, _created = Minutes.objects.get_or_create(meeting=meeting)
    minutes.body = minutes_text(meeting)
    minutes.generated_at = timezone.now()
    minutes.save(update_fields=["body", "generated_at"])
    record_write(
        actor, meeting, "minutes.generate", minutes, notice="minutes.changed", state=minutes.state
    )
    return minutes


@transaction.atomic
def minutes_generate(*, actor: Any, meeting: Meeting) -> Minutes:
    """(Re)build the draft minutes from what happened; edits made so far are replaced."""
    require_manage(actor, meeting)
    meeting = locked(meeting)
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None and existing.state == MinutesState.FINAL:
        raise ValidationError(_("The minutes are final."))
    return minutes_write(meeting, actor)


@transaction.atomic
def minutes_update(*, actor: Any, minutes: Minutes, body: str) -> Minutes:
    meeting = minutes.meeting
    require_manage(actor, meeting)
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if minutes.state == MinutesState.FINAL:
        raise ValidationError(_("The minutes are final."))
    minutes.body = unicodedata.normalize("NFC", body or "")  # keeps the line breaks
    minutes.edited_by = actor
    minutes.edited_at = timezone.now()
    minutes.save(update_fields=["body", "edited_by", "edited_at"])
    record_write(
        actor, meeting, "minutes.edit", minutes, notice="minutes.changed", state=minutes.state
    )
    return minutes


@transaction.atomic
def minutes_finalise(*, actor: Any, minutes: Minutes) -> Minutes:
    """The chair finalises the minutes of a closed meeting; they cannot change afterwards."""
    meeting = Meeting.objects.select_related("unit").get(pk=minutes.meeting_id)
    participant = selectors.participant_of(actor, meeting) if actor is not None else None
    if actor is not None and (participant is None or participant.role != ParticipantRole.CHAIR):
        raise PermissionDenied
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if meeting.state != MeetingState.CLOSED:
        raise ValidationError(_("Close the meeting before finalising its minutes."))
    if minutes.state == MinutesState.FINAL:
        raise ValidationError(_("The minutes are final."))
    minutes.state = MinutesState.FINAL
    minutes.finalised_by = actor
    minutes.finalised_at = timezone.now()
    minutes.save(update_fields=["state", "finalised_by", "finalised_at"])
    record_write(
        actor, meeting, "minutes.finalise", minutes, notice="minutes.changed", state=minutes.state
    )
    return minutes
