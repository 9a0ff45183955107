"""Speaking requests: raise, withdraw, grant, start, stop; durations kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.audit import audit
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    AgendaItem,
    Meeting,
    SpeakingRequest,
    SpeakingState,
)
from hoiso.meetings.services._common import (
    record_write,
    require_drive,
    require_live,
    require_participant,
)

# --- speaking requests -----------------------------------------------------------------------


@transaction.atomic
def speaking_raise(*, actor: Any, item: AgendaItem) -> SpeakingRequest:
    """A present participant asks for the floor on an item; hands keep the order raised."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    participant = require_participant(actor, meeting)
    require_live(meeting)
    if not participant.is_present:
        raise ValidationError(_("Only participants marked present may ask for the floor."))
    if item.speakers.filter(participant=participant, state__in=_open_states()).exists():
        raise ValidationError(_("You have already asked for the floor on this item."))
    last = item.speakers.aggregate(m=Max("position"))["m"]
    request = SpeakingRequest.objects.create(
        item=item, participant=participant, position=(last or 0) + 1
    )
    record_write(actor, meeting, "speaking.raise", request, notice="speakers.changed", item=item.pk)
    return request


def _open_states() -> list[str]:
    return [SpeakingState.RAISED, SpeakingState.GRANTED, SpeakingState.SPEAKING]


def _speaking_move(
    actor: Any, request: SpeakingRequest, to: str, allowed_from: Iterable[str], action: str
) -> SpeakingRequest:
    request = SpeakingRequest.objects.select_for_update().get(pk=request.pk)
    meeting = Meeting.objects.select_related("unit").get(pk=request.item.meeting_id)
    if request.state not in allowed_from:
        raise ValidationError(_("This request cannot be changed this way now."))
    now = timezone.now()
    if to == SpeakingState.GRANTED:
        request.granted_at = now
    elif to == SpeakingState.SPEAKING:
        require_live(meeting)
        for other in SpeakingRequest.objects.filter(
            item__meeting=meeting, state=SpeakingState.SPEAKING
        ).exclude(pk=request.pk):
            finish_speech(other, now)
        request.granted_at = request.granted_at or now
        request.started_at = now
    if to == SpeakingState.DONE:
        finish_speech(request, now)
    else:
        request.state = to
        request.save()
    audit(actor=actor, action=action, obj=request, unit=meeting.unit)
    notify(meeting.pk, "speakers.changed", item=request.item_id)
    return request


def finish_speech(request: SpeakingRequest, now: dt.datetime) -> None:
    request.state = SpeakingState.DONE
    request.ended_at = now
    if request.started_at is not None:
        request.duration_seconds = max(0, round((now - request.started_at).total_seconds()))
    request.save()


@transaction.atomic
def speaking_withdraw(*, actor: Any, request: SpeakingRequest) -> SpeakingRequest:
    participant = request.participant
    if actor is not None and participant.user_id != actor.pk:
        raise PermissionDenied
    return _speaking_move(
        actor,
        request,
        SpeakingState.WITHDRAWN,
        (SpeakingState.RAISED, SpeakingState.GRANTED),
        "meetings.speaking.withdraw",
    )


@transaction.atomic
def speaking_grant(*, actor: Any, request: SpeakingRequest) -> SpeakingRequest:
    require_drive(actor, request.item.meeting)
    return _speaking_move(
        actor, request, SpeakingState.GRANTED, (SpeakingState.RAISED,), "meetings.speaking.grant"
    )


@transaction.atomic
def speaking_start(*, actor: Any, request: SpeakingRequest) -> SpeakingRequest:
    """The speech starts (whoever was speaking on this meeting stops)."""
    require_drive(actor, request.item.meeting)
    return _speaking_move(
        actor,
        request,
        SpeakingState.SPEAKING,
        (SpeakingState.RAISED, SpeakingState.GRANTED),
        "meetings.speaking.start",
    )


@transaction.atomic
def speaking_stop(*, actor: Any, request: SpeakingRequest) -> SpeakingRequest:
    """The speech ends; its duration is kept."""
    require_drive(actor, request.item.meeting)
    return _speaking_move(
        actor, request, SpeakingState.DONE, (SpeakingState.SPEAKING,), "meetings.speaking.stop"
    )
