"""Meetings: create, edit, schedule, open and close."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    AgendaItem,
    ItemDocument,
    Meeting,
    MeetingKind,
    MeetingState,
    Minutes,
    MinutesState,
    ParticipantRole,
    Site,
    SpeakingRequest,
    SpeakingState,
    VoteState,
)
from hoiso.meetings.services._common import (
    invite_on_commit,
    locked,
    record_write,
    require_add,
    require_drive,
    require_live,
    require_manage,
    require_not_closed,
)
from hoiso.meetings.services.minutes import minutes_write
from hoiso.meetings.services.people import participant_put
from hoiso.meetings.services.speaking import finish_speech
from hoiso.org.models import Unit

# --- meetings --------------------------------------------------------------------------------


def _clean_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    errors: dict[str, list[str]] = {}
    if starts_at is None:
        errors["starts_at"] = [_("The start time is required.")]
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    starts_at: dt.datetime,
    kind: str = MeetingKind.OTHER,
    ends_at: dt.datetime | None = None,
    place: str = "",
    secret: bool = False,
    chair: Any = None,
    hub_name: str = "",
) -> Meeting:
    """A new meeting in draft, with its hub site (the host unit's room); the chair, if given,
    joins as a participant. The creator of a secret meeting joins it as its secretary (a secret
    meeting is seen by its participants only)."""
    require_add(actor, unit)
    title = nfc(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("The title is required.")]})
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": [_("Unknown kind of meeting.")]})
    _clean_times(starts_at, ends_at)
    meeting = Meeting.objects.create(
        unit=unit,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=nfc(place or "").strip(),
        secret=secret,
        created_by=actor,
    )
    hub = Site.objects.create(meeting=meeting, unit=unit, name=hub_name or unit.name, is_hub=True)
    if chair is not None:
        participant_put(meeting, chair, site=hub, role=ParticipantRole.CHAIR)
        meeting.chair = chair
        meeting.save(update_fields=["chair"])
    if secret and actor is not None and actor != chair:
        participant_put(meeting, actor, site=hub, role=ParticipantRole.SECRETARY)
    audit(
        actor=actor,
        action="meetings.meeting.create",
        obj=meeting,
        unit=unit,
        detail={"secret": secret, "kind": kind},
    )
    return meeting


UPDATABLE = ("title", "kind", "starts_at", "ends_at", "place", "secret")


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, **changes: Any) -> Meeting:
    """Change a meeting's details (not once it is closed)."""
    require_manage(actor, meeting)
    meeting = locked(meeting)
    require_not_closed(meeting)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "title" in changes:
        changes["title"] = nfc(changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationError({"title": [_("The title is required.")]})
    if "kind" in changes and changes["kind"] not in MeetingKind.values:
        raise ValidationError({"kind": [_("Unknown kind of meeting.")]})
    _clean_times(
        changes.get("starts_at", meeting.starts_at), changes.get("ends_at", meeting.ends_at)
    )
    if (
        "secret" in changes
        and not changes["secret"]
        and meeting.secret
        and ItemDocument.objects.filter(item__meeting=meeting, document__isnull=False)
        .exclude(document__secrecy="")
        .exists()
    ):
        raise ValidationError(
            {"secret": [_("Secret archive documents are attached: the meeting must stay secret.")]}
        )
    # whoever makes it secret keeps sight of it
    if (
        changes.get("secret")
        and actor is not None
        and not meeting.secret
        and selectors.participant_of(actor, meeting) is None
    ):
        participant_put(meeting, actor, site=None, role=ParticipantRole.SECRETARY)
    changed = {k: v for k, v in changes.items() if getattr(meeting, k) != v}
    for name, value in changed.items():
        setattr(meeting, name, value)
    if changed:
        meeting.save(update_fields=[*changed, "updated_at"])
        record_write(
            actor,
            meeting,
            "meeting.update",
            meeting,
            detail={"fields": sorted(changed)},
            notice="meeting.changed",
        )
    return meeting


@transaction.atomic
def meeting_schedule(*, actor: Any, meeting: Meeting) -> Meeting:
    """Draft → scheduled: the invitations go out (in-app and by the configured channels)."""
    require_manage(actor, meeting)
    meeting = locked(meeting)
    if meeting.state != MeetingState.DRAFT:
        raise ValidationError(_("Only a draft meeting can be scheduled."))
    meeting.state = MeetingState.SCHEDULED
    meeting.save(update_fields=["state", "updated_at"])
    record_write(
        actor, meeting, "meeting.schedule", meeting, notice="meeting.state", state=meeting.state
    )
    invite_on_commit(meeting)
    return meeting


@transaction.atomic
def meeting_open(*, actor: Any, meeting: Meeting) -> Meeting:
    """The chair opens the session; the first agenda item becomes current if none is."""
    require_drive(actor, meeting)
    meeting = locked(meeting)
    if meeting.state not in (MeetingState.DRAFT, MeetingState.SCHEDULED):
        raise ValidationError(_("This meeting cannot be opened now."))
    now = timezone.now()
    meeting.state = MeetingState.OPEN
    meeting.opened_at = now
    fields = ["state", "opened_at", "updated_at"]
    if meeting.current_item_id is None:
        first = meeting.agenda.filter(parent=None).order_by("position", "id").first()
        if first is not None:
            meeting.current_item = first
            AgendaItem.objects.filter(pk=first.pk, started_at=None).update(started_at=now)
            fields.append("current_item")
    meeting.save(update_fields=fields)
    record_write(
        actor, meeting, "meeting.open", meeting, notice="meeting.state", state=meeting.state
    )
    if meeting.current_item_id:
        notify(meeting.pk, "agenda.current", item=meeting.current_item_id)
    return meeting


@transaction.atomic
def meeting_close(*, actor: Any, meeting: Meeting) -> Meeting:
    """The chair closes the session (no vote may be open); the draft minutes are generated."""
    require_drive(actor, meeting)
    meeting = locked(meeting)
    require_live(meeting)
    if meeting.votes.filter(state=VoteState.OPEN).exists():
        raise ValidationError(_("Close the open vote first."))
    now = timezone.now()
    for request in SpeakingRequest.objects.filter(
        item__meeting=meeting, state=SpeakingState.SPEAKING
    ):
        finish_speech(request, now)
    AgendaItem.objects.filter(meeting=meeting, started_at__isnull=False, ended_at=None).update(
        ended_at=now
    )
    meeting.state = MeetingState.CLOSED
    meeting.closed_at = now
    meeting.save(update_fields=["state", "closed_at", "updated_at"])
    record_write(actor, meeting, "meeting.close", meeting)
    # draft minutes from what happened, unless someone has already edited them
    if (
        not Minutes.objects.filter(meeting=meeting)
        .exclude(state=MinutesState.DRAFT, edited_at=None)
        .exists()
    ):
        minutes_write(meeting, actor)
    notify(meeting.pk, "meeting.state", state=meeting.state)
    return meeting
