"""Sites, participants, invitations and attendance (by the site lead or by QR code)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors
from hoiso.meetings.models import (
    PRESENT,
    Attendance,
    Invitation,
    Meeting,
    Participant,
    ParticipantRole,
    Site,
)
from hoiso.meetings.services._common import (
    invite_on_commit,
    record_write,
    require_manage,
    require_not_closed,
    require_participant,
)
from hoiso.org.models import Unit

# --- sites and participants ------------------------------------------------------------------


@transaction.atomic
def site_add(
    *, actor: Any, meeting: Meeting, name: str = "", unit: Unit | None = None, lead: Any = None
) -> Site:
    require_manage(actor, meeting)
    require_not_closed(meeting)
    name = nfc(name or (unit.name if unit else "")).strip()
    if not name:
        raise ValidationError({"name": [_("The site needs a name or a unit.")]})
    site = Site.objects.create(meeting=meeting, unit=unit, name=name, lead=lead)
    if lead is not None:
        participant_put(meeting, lead, site=site, role=ParticipantRole.DELEGATE)
    record_write(
        actor,
        meeting,
        "site.add",
        site,
        detail={"meeting": meeting.pk},
        notice="attendance.changed",
        site=site.pk,
    )
    return site


@transaction.atomic
def site_set_lead(*, actor: Any, site: Site, lead: Any) -> Site:
    meeting = site.meeting
    require_manage(actor, meeting)
    site.lead = lead
    site.save(update_fields=["lead"])
    if lead is not None:
        participant_put(meeting, lead, site=site, role=None)
    record_write(actor, meeting, "site.lead", site, notice="attendance.changed", site=site.pk)
    return site


def participant_put(
    meeting: Meeting, user: Any, *, site: Site | None, role: str | None
) -> tuple[Participant, bool]:
    """Add ``user`` (or update her site/role when she is already in)."""
    participant, created = Participant.objects.get_or_create(
        meeting=meeting,
        user=user,
        defaults={"site": site, "role": role or ParticipantRole.DELEGATE},
    )
    if not created:
        fields = []
        if site is not None and participant.site_id != site.pk:
            participant.site = site
            fields.append("site")
        if role is not None and participant.role != role:
            participant.role = role
            fields.append("role")
        if fields:
            participant.save(update_fields=fields)
    return participant, created


def users_of_unit(unit: Unit, *, role_code: str = "", subtree: bool = False) -> list[Any]:
    """The people holding a role (``role_code``: that role only) at a unit (or its subtree)."""
    from hoiso.accounts.models import RoleAssignment

    today = timezone.localdate()
    qs = RoleAssignment.objects.filter(valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=today)
    )
    qs = qs.filter(subtree_q(unit.path, "unit__path")) if subtree else qs.filter(unit=unit)
    if role_code:
        qs = qs.filter(role__code=role_code)
    from hoiso.accounts.models import User

    return list(User.objects.filter(pk__in=qs.values("user_id"), is_active=True).order_by("pk"))


@transaction.atomic
def participants_add(
    *,
    actor: Any,
    meeting: Meeting,
    users: Iterable[Any] = (),
    unit: Unit | None = None,
    unit_role: str = "",
    subtree: bool = False,
    site: Site | None = None,
    role: str = ParticipantRole.DELEGATE,
) -> list[Participant]:
    """Invite people by name (``users``), by unit (everyone holding a role there, or only
    ``unit_role`` holders; ``subtree`` for the units below too). People already invited keep
    their invitation. Returns the participants added."""
    require_manage(actor, meeting)
    require_not_closed(meeting)
    if role not in ParticipantRole.values:
        raise ValidationError({"role": [_("Unknown participant role.")]})
    if site is not None and site.meeting_id != meeting.pk:
        raise ValidationError({"site": [_("This site belongs to another meeting.")]})
    people = list(users)
    if unit is not None:
        people += users_of_unit(unit, role_code=unit_role, subtree=subtree)
    added: list[Participant] = []
    seen: set[int] = set()
    for user in people:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if Participant.objects.filter(meeting=meeting, user=user).exists():
            continue
        participant = Participant.objects.create(meeting=meeting, user=user, site=site, role=role)
        added.append(participant)
        if role == ParticipantRole.CHAIR:
            _set_chair(meeting, participant)
    record_write(
        actor,
        meeting,
        "participants.add",
        meeting,
        detail={"added": [p.user_id for p in added], "role": role},
        notice="participants.changed",
    )
    if added:  # sent only if the meeting is scheduled and yet to start
        invite_on_commit(meeting)
    return added


def _set_chair(meeting: Meeting, participant: Participant) -> None:
    meeting.participants.filter(role=ParticipantRole.CHAIR).exclude(pk=participant.pk).update(
        role=ParticipantRole.DELEGATE
    )
    Meeting.objects.filter(pk=meeting.pk).update(chair=participant.user)
    meeting.chair = participant.user


@transaction.atomic
def participant_update(
    *, actor: Any, participant: Participant, role: str | None = None, site: Site | None = None
) -> Participant:
    """Change someone's role (one chair at a time) or site."""
    meeting = participant.meeting
    require_manage(actor, meeting)
    require_not_closed(meeting)
    fields = []
    if role is not None:
        if role not in ParticipantRole.values:
            raise ValidationError({"role": [_("Unknown participant role.")]})
        participant.role = role
        fields.append("role")
    if site is not None:
        if site.meeting_id != meeting.pk:
            raise ValidationError({"site": [_("This site belongs to another meeting.")]})
        participant.site = site
        fields.append("site")
    if fields:
        participant.save(update_fields=fields)
        if role == ParticipantRole.CHAIR:
            _set_chair(meeting, participant)
    record_write(
        actor,
        meeting,
        "participant.update",
        participant,
        detail={"role": role, "site": site.pk if site else None},
        notice="participants.changed",
    )
    return participant


@transaction.atomic
def invitation_respond(*, actor: Any, meeting: Meeting, accept: bool) -> Participant:
    """The invited person accepts or declines."""
    participant = require_participant(actor, meeting)
    require_not_closed(meeting)
    participant.invitation = Invitation.ACCEPTED if accept else Invitation.DECLINED
    participant.responded_at = timezone.now()
    participant.save(update_fields=["invitation", "responded_at"])
    record_write(
        actor,
        meeting,
        "invitation.respond",
        participant,
        detail={"accept": accept},
        notice="participants.changed",
    )
    return participant


# --- attendance ------------------------------------------------------------------------------


def _can_check_in(actor: Any, participant: Participant) -> bool:
    meeting = participant.meeting
    if selectors.can_manage(actor, meeting):
        return True
    site = participant.site
    return site is not None and site.lead_id == actor.pk


@transaction.atomic
def attendance_mark(
    *, actor: Any, participant: Participant, attendance: str, reason: str = ""
) -> Participant:
    """A site lead (for her site's people), the chair, the secretary or an organiser marks
    someone present in person, online, absent (with a reason) or back to not checked."""
    meeting = participant.meeting
    if actor is not None and not _can_check_in(actor, participant):
        raise PermissionDenied
    require_not_closed(meeting)
    if attendance not in Attendance.values:
        raise ValidationError({"attendance": [_("Unknown attendance state.")]})
    reason = nfc(reason or "").strip()
    if attendance == Attendance.ABSENT and not reason:
        raise ValidationError({"reason": [_("Give the reason for the absence.")]})
    participant.attendance = attendance
    participant.absence_reason = reason if attendance == Attendance.ABSENT else ""
    participant.checked_in_at = timezone.now() if attendance in PRESENT else None
    participant.checked_in_by = actor
    participant.save(
        update_fields=["attendance", "absence_reason", "checked_in_at", "checked_in_by"]
    )
    record_write(
        actor,
        meeting,
        "attendance.mark",
        participant,
        detail={"attendance": attendance},
        notice="attendance.changed",
        site=participant.site_id,
    )
    return participant


@transaction.atomic
def checkin_by_code(*, actor: Any, code: str) -> Participant:
    """QR check-in: the participant scans the code at a site's door with her own login and is
    marked present in person at that site."""
    site = Site.objects.select_related("meeting").filter(checkin_code=(code or "").strip()).first()
    if site is None:
        raise ValidationError({"code": [_("This check-in code is not valid.")]})
    meeting = site.meeting
    participant = selectors.participant_of(actor, meeting)
    if participant is None:
        raise PermissionDenied
    require_not_closed(meeting)
    participant.site = site
    participant.attendance = Attendance.IN_PERSON
    participant.absence_reason = ""
    participant.checked_in_at = timezone.now()
    participant.checked_in_by = actor
    participant.save(
        update_fields=["site", "attendance", "absence_reason", "checked_in_at", "checked_in_by"]
    )
    record_write(
        actor,
        meeting,
        "attendance.qr",
        participant,
        detail={"site": site.pk},
        notice="attendance.changed",
        site=site.pk,
    )
    return participant
