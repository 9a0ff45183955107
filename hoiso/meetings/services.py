"""Every write to the meeting room. One transaction each: the change and its audit row; the live
room's notice goes out after commit (broadcast.notify).

``actor=None`` means the system (seeding, tests' setup): the permission checks are skipped, the
meeting's own rules (presence to vote, one ballot each, a closed vote is final) are not.
Permission rules: organisers hold ``meetings.change_meeting`` at the host unit; the chair and
the secretary (participants) drive the live room; a site lead checks in her site's people.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import has_perm_at
from hoiso.core.audit import audit
from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    PRESENT,
    VOTING_ROLES,
    AgendaItem,
    Attendance,
    Ballot,
    Choice,
    Conclusion,
    FollowUpTask,
    Invitation,
    ItemDocument,
    Meeting,
    MeetingKind,
    MeetingState,
    Minutes,
    MinutesState,
    Participant,
    ParticipantRole,
    SecretTally,
    Site,
    SpeakingRequest,
    SpeakingState,
    TaskStatus,
    Vote,
    VoteReceipt,
    VoteState,
)
from hoiso.org.models import Unit

# --- permission helpers ----------------------------------------------------------------------


def _require_add(actor: Any, unit: Unit) -> None:
    if actor is not None and not has_perm_at(actor, selectors.ADD, unit.path):
        raise PermissionDenied


def _require_manage(actor: Any, meeting: Meeting) -> None:
    if actor is not None and not selectors.can_manage(actor, meeting):
        raise PermissionDenied


def _require_drive(actor: Any, meeting: Meeting) -> None:
    if actor is not None and not selectors.can_drive(actor, meeting):
        raise PermissionDenied


def _require_participant(actor: Any, meeting: Meeting) -> Participant:
    participant = selectors.participant_of(actor, meeting)
    if participant is None:
        raise PermissionDenied
    return participant


def _require_live(meeting: Meeting) -> None:
    if meeting.state != MeetingState.OPEN:
        raise ValidationError(_("The meeting is not in session."))


def _require_not_closed(meeting: Meeting) -> None:
    if meeting.state == MeetingState.CLOSED:
        raise ValidationError(_("The meeting is closed."))


def _locked(meeting: Meeting) -> Meeting:
    """The meeting row again, locked for this transaction (PostgreSQL; SQLite serialises)."""
    return Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)


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
    _require_add(actor, unit)
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
        _participant_put(meeting, chair, site=hub, role=ParticipantRole.CHAIR)
        meeting.chair = chair
        meeting.save(update_fields=["chair"])
    if secret and actor is not None and actor != chair:
        _participant_put(meeting, actor, site=hub, role=ParticipantRole.SECRETARY)
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
    _require_manage(actor, meeting)
    meeting = _locked(meeting)
    _require_not_closed(meeting)
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
    # whoever makes it secret keeps sight of it
    if (
        changes.get("secret")
        and actor is not None
        and not meeting.secret
        and selectors.participant_of(actor, meeting) is None
    ):
        _participant_put(meeting, actor, site=None, role=ParticipantRole.SECRETARY)
    changed = {k: v for k, v in changes.items() if getattr(meeting, k) != v}
    for name, value in changed.items():
        setattr(meeting, name, value)
    if changed:
        meeting.save(update_fields=[*changed, "updated_at"])
        audit(
            actor=actor,
            action="meetings.meeting.update",
            obj=meeting,
            unit=meeting.unit,
            detail={"fields": sorted(changed)},
        )
        notify(meeting.pk, "meeting.changed")
    return meeting


@transaction.atomic
def meeting_schedule(*, actor: Any, meeting: Meeting) -> Meeting:
    """Draft → scheduled: the invitations go out (notifications come with the reminders work)."""
    _require_manage(actor, meeting)
    meeting = _locked(meeting)
    if meeting.state != MeetingState.DRAFT:
        raise ValidationError(_("Only a draft meeting can be scheduled."))
    meeting.state = MeetingState.SCHEDULED
    meeting.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="meetings.meeting.schedule", obj=meeting, unit=meeting.unit)
    notify(meeting.pk, "meeting.state", state=meeting.state)
    return meeting


@transaction.atomic
def meeting_open(*, actor: Any, meeting: Meeting) -> Meeting:
    """The chair opens the session; the first agenda item becomes current if none is."""
    _require_drive(actor, meeting)
    meeting = _locked(meeting)
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
    audit(actor=actor, action="meetings.meeting.open", obj=meeting, unit=meeting.unit)
    notify(meeting.pk, "meeting.state", state=meeting.state)
    if meeting.current_item_id:
        notify(meeting.pk, "agenda.current", item=meeting.current_item_id)
    return meeting


@transaction.atomic
def meeting_close(*, actor: Any, meeting: Meeting) -> Meeting:
    """The chair closes the session (no vote may be open); the draft minutes are generated."""
    _require_drive(actor, meeting)
    meeting = _locked(meeting)
    _require_live(meeting)
    if meeting.votes.filter(state=VoteState.OPEN).exists():
        raise ValidationError(_("Close the open vote first."))
    now = timezone.now()
    for request in SpeakingRequest.objects.filter(
        item__meeting=meeting, state=SpeakingState.SPEAKING
    ):
        _finish_speech(request, now)
    AgendaItem.objects.filter(meeting=meeting, started_at__isnull=False, ended_at=None).update(
        ended_at=now
    )
    meeting.state = MeetingState.CLOSED
    meeting.closed_at = now
    meeting.save(update_fields=["state", "closed_at", "updated_at"])
    audit(actor=actor, action="meetings.meeting.close", obj=meeting, unit=meeting.unit)
    # draft minutes from what happened, unless someone has already edited them
    if (
        not Minutes.objects.filter(meeting=meeting)
        .exclude(state=MinutesState.DRAFT, edited_at=None)
        .exists()
    ):
        _minutes_write(meeting, actor)
    notify(meeting.pk, "meeting.state", state=meeting.state)
    return meeting


# --- sites and participants ------------------------------------------------------------------


@transaction.atomic
def site_add(
    *, actor: Any, meeting: Meeting, name: str = "", unit: Unit | None = None, lead: Any = None
) -> Site:
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
    name = nfc(name or (unit.name if unit else "")).strip()
    if not name:
        raise ValidationError({"name": [_("The site needs a name or a unit.")]})
    site = Site.objects.create(meeting=meeting, unit=unit, name=name, lead=lead)
    if lead is not None:
        _participant_put(meeting, lead, site=site, role=ParticipantRole.DELEGATE)
    audit(
        actor=actor,
        action="meetings.site.add",
        obj=site,
        unit=meeting.unit,
        detail={"meeting": meeting.pk},
    )
    notify(meeting.pk, "attendance.changed", site=site.pk)
    return site


@transaction.atomic
def site_set_lead(*, actor: Any, site: Site, lead: Any) -> Site:
    meeting = site.meeting
    _require_manage(actor, meeting)
    site.lead = lead
    site.save(update_fields=["lead"])
    if lead is not None:
        _participant_put(meeting, lead, site=site, role=None)
    audit(actor=actor, action="meetings.site.lead", obj=site, unit=meeting.unit)
    notify(meeting.pk, "attendance.changed", site=site.pk)
    return site


def _participant_put(
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
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
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
    audit(
        actor=actor,
        action="meetings.participants.add",
        obj=meeting,
        unit=meeting.unit,
        detail={"added": [p.user_id for p in added], "role": role},
    )
    notify(meeting.pk, "participants.changed")
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
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
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
    audit(
        actor=actor,
        action="meetings.participant.update",
        obj=participant,
        unit=meeting.unit,
        detail={"role": role, "site": site.pk if site else None},
    )
    notify(meeting.pk, "participants.changed")
    return participant


@transaction.atomic
def invitation_respond(*, actor: Any, meeting: Meeting, accept: bool) -> Participant:
    """The invited person accepts or declines."""
    participant = _require_participant(actor, meeting)
    _require_not_closed(meeting)
    participant.invitation = Invitation.ACCEPTED if accept else Invitation.DECLINED
    participant.responded_at = timezone.now()
    participant.save(update_fields=["invitation", "responded_at"])
    audit(
        actor=actor,
        action="meetings.invitation.respond",
        obj=participant,
        unit=meeting.unit,
        detail={"accept": accept},
    )
    notify(meeting.pk, "participants.changed")
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
    _require_not_closed(meeting)
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
    audit(
        actor=actor,
        action="meetings.attendance.mark",
        obj=participant,
        unit=meeting.unit,
        detail={"attendance": attendance},
    )
    notify(meeting.pk, "attendance.changed", site=participant.site_id)
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
    _require_not_closed(meeting)
    participant.site = site
    participant.attendance = Attendance.IN_PERSON
    participant.absence_reason = ""
    participant.checked_in_at = timezone.now()
    participant.checked_in_by = actor
    participant.save(
        update_fields=["site", "attendance", "absence_reason", "checked_in_at", "checked_in_by"]
    )
    audit(
        actor=actor,
        action="meetings.attendance.qr",
        obj=participant,
        unit=meeting.unit,
        detail={"site": site.pk},
    )
    notify(meeting.pk, "attendance.changed", site=site.pk)
    return participant


# --- agenda and documents --------------------------------------------------------------------


@transaction.atomic
def agenda_item_add(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    parent: AgendaItem | None = None,
    presenter: Any = None,
    presenter_name: str = "",
    planned_minutes: int | None = None,
) -> AgendaItem:
    """An item at the end of its parent's list (or of the top level)."""
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
    title = nfc(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("The item needs a title.")]})
    if parent is not None and parent.meeting_id != meeting.pk:
        raise ValidationError({"parent": [_("The parent item belongs to another meeting.")]})
    if planned_minutes is not None and not 0 < planned_minutes <= 24 * 60:
        raise ValidationError({"planned_minutes": [_("Planned minutes must be 1 to 1440.")]})
    last = meeting.agenda.filter(parent=parent).aggregate(m=Max("position"))["m"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        parent=parent,
        position=(last or 0) + 1,
        title=title,
        presenter=presenter,
        presenter_name=nfc(presenter_name or "").strip(),
        planned_minutes=planned_minutes,
    )
    audit(
        actor=actor,
        action="meetings.agenda.add",
        obj=item,
        unit=meeting.unit,
        detail={"meeting": meeting.pk},
    )
    notify(meeting.pk, "agenda.changed")
    return item


@transaction.atomic
def agenda_item_update(*, actor: Any, item: AgendaItem, **changes: Any) -> AgendaItem:
    meeting = item.meeting
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
    allowed = {"title", "presenter", "presenter_name", "planned_minutes", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "title" in changes:
        changes["title"] = nfc(changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationError({"title": [_("The item needs a title.")]})
    for name, value in changes.items():
        setattr(item, name, value)
    item.save(update_fields=list(changes))
    audit(actor=actor, action="meetings.agenda.update", obj=item, unit=meeting.unit)
    notify(meeting.pk, "agenda.changed")
    return item


@transaction.atomic
def item_document_add(
    *,
    actor: Any,
    item: AgendaItem,
    title: str = "",
    document: Any = None,
    file: File[Any] | None = None,
    filename: str = "",
) -> ItemDocument:
    """A document for an item: picked from the archive (the actor must see it) or uploaded."""
    meeting = item.meeting
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
    if (document is None) == (file is None):
        raise ValidationError(_("Pick a document from the archive or upload a file (one)."))
    if document is not None and actor is not None:
        from hoiso.documents.models import Document

        if not Document.objects.restrict(actor, "view").filter(pk=document.pk).exists():
            raise PermissionDenied
    title = nfc(title or (str(document) if document is not None else filename)).strip()
    if not title:
        raise ValidationError({"title": [_("The document needs a title.")]})
    last = item.documents.aggregate(m=Max("position"))["m"]
    doc = ItemDocument(
        item=item, document=document, title=title, position=(last or 0) + 1, added_by=actor
    )
    if file is not None:
        doc.file.save(filename or getattr(file, "name", "") or "file", file, save=False)
    doc.save()
    audit(
        actor=actor,
        action="meetings.document.add",
        obj=doc,
        unit=meeting.unit,
        detail={"item": item.pk, "archive": document.pk if document is not None else None},
    )
    notify(meeting.pk, "agenda.changed")
    return doc


@transaction.atomic
def agenda_set_current(*, actor: Any, meeting: Meeting, item: AgendaItem) -> Meeting:
    """The chair moves the meeting to ``item``; every follower's screen moves with it."""
    _require_drive(actor, meeting)
    meeting = _locked(meeting)
    _require_live(meeting)
    if item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    now = timezone.now()
    if meeting.current_item_id and meeting.current_item_id != item.pk:
        AgendaItem.objects.filter(pk=meeting.current_item_id, ended_at=None).update(ended_at=now)
    AgendaItem.objects.filter(pk=item.pk, started_at=None).update(started_at=now)
    meeting.current_item = item
    meeting.save(update_fields=["current_item", "updated_at"])
    audit(
        actor=actor,
        action="meetings.agenda.current",
        obj=meeting,
        unit=meeting.unit,
        detail={"item": item.pk},
    )
    notify(meeting.pk, "agenda.current", item=item.pk)
    return meeting


@transaction.atomic
def document_show(
    *, actor: Any, meeting: Meeting, document: ItemDocument | None, page: int = 1
) -> Meeting:
    """The chair shows a document's page (``None``: stop showing)."""
    _require_drive(actor, meeting)
    meeting = _locked(meeting)
    _require_live(meeting)
    if document is not None and document.item.meeting_id != meeting.pk:
        raise ValidationError({"document": [_("This document belongs to another meeting.")]})
    if page < 1:
        raise ValidationError({"page": [_("Pages are numbered from 1.")]})
    meeting.shown_document = document
    meeting.shown_page = page
    meeting.save(update_fields=["shown_document", "shown_page", "updated_at"])
    notify(
        meeting.pk,
        "document.show",
        document=document.pk if document is not None else None,
        page=page,
    )
    return meeting


# --- speaking requests -----------------------------------------------------------------------


@transaction.atomic
def speaking_raise(*, actor: Any, item: AgendaItem) -> SpeakingRequest:
    """A present participant asks for the floor on an item; hands keep the order raised."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    participant = _require_participant(actor, meeting)
    _require_live(meeting)
    if not participant.is_present:
        raise ValidationError(_("Only participants marked present may ask for the floor."))
    if item.speakers.filter(participant=participant, state__in=_open_states()).exists():
        raise ValidationError(_("You have already asked for the floor on this item."))
    last = item.speakers.aggregate(m=Max("position"))["m"]
    request = SpeakingRequest.objects.create(
        item=item, participant=participant, position=(last or 0) + 1
    )
    audit(actor=actor, action="meetings.speaking.raise", obj=request, unit=meeting.unit)
    notify(meeting.pk, "speakers.changed", item=item.pk)
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
        _require_live(meeting)
        for other in SpeakingRequest.objects.filter(
            item__meeting=meeting, state=SpeakingState.SPEAKING
        ).exclude(pk=request.pk):
            _finish_speech(other, now)
        request.granted_at = request.granted_at or now
        request.started_at = now
    if to == SpeakingState.DONE:
        _finish_speech(request, now)
    else:
        request.state = to
        request.save()
    audit(actor=actor, action=action, obj=request, unit=meeting.unit)
    notify(meeting.pk, "speakers.changed", item=request.item_id)
    return request


def _finish_speech(request: SpeakingRequest, now: dt.datetime) -> None:
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
    _require_drive(actor, request.item.meeting)
    return _speaking_move(
        actor, request, SpeakingState.GRANTED, (SpeakingState.RAISED,), "meetings.speaking.grant"
    )


@transaction.atomic
def speaking_start(*, actor: Any, request: SpeakingRequest) -> SpeakingRequest:
    """The speech starts (whoever was speaking on this meeting stops)."""
    _require_drive(actor, request.item.meeting)
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
    _require_drive(actor, request.item.meeting)
    return _speaking_move(
        actor, request, SpeakingState.DONE, (SpeakingState.SPEAKING,), "meetings.speaking.stop"
    )


# --- votes -----------------------------------------------------------------------------------


@transaction.atomic
def vote_create(
    *,
    actor: Any,
    meeting: Meeting,
    question: str,
    item: AgendaItem | None = None,
    document: ItemDocument | None = None,
    secret: bool = False,
    results_visible: bool = False,
) -> Vote:
    """A vote prepared on an item or a document (draft until the chair opens it)."""
    _require_manage(actor, meeting)
    _require_not_closed(meeting)
    question = nfc(question or "").strip()
    if not question:
        raise ValidationError({"question": [_("The vote needs a question.")]})
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    if document is not None:
        if document.item.meeting_id != meeting.pk:
            raise ValidationError({"document": [_("This document belongs to another meeting.")]})
        item = item or document.item
    vote = Vote.objects.create(
        meeting=meeting,
        item=item,
        document=document,
        question=question,
        secret=secret,
        results_visible=results_visible,
        created_by=actor,
    )
    audit(
        actor=actor,
        action="meetings.vote.create",
        obj=vote,
        unit=meeting.unit,
        detail={"secret": secret},
    )
    notify(meeting.pk, "vote.changed", vote=vote.pk)
    return vote


def _locked_vote(vote: Vote) -> Vote:
    return Vote.objects.select_for_update().select_related("meeting__unit").get(pk=vote.pk)


@transaction.atomic
def vote_open(*, actor: Any, vote: Vote) -> Vote:
    _require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    _require_live(vote.meeting)
    if vote.state != VoteState.DRAFT:
        raise ValidationError(_("This vote has already been opened."))
    vote.state = VoteState.OPEN
    vote.opened_at = timezone.now()
    vote.save(update_fields=["state", "opened_at"])
    if vote.secret:
        SecretTally.objects.bulk_create(
            [SecretTally(vote=vote, choice=c, count=0) for c in Choice.values]
        )
    audit(actor=actor, action="meetings.vote.open", obj=vote, unit=vote.meeting.unit)
    notify(vote.meeting_id, "vote.opened", vote=vote.pk)
    return vote


@transaction.atomic
def vote_set_results_visible(*, actor: Any, vote: Vote, visible: bool) -> Vote:
    """Show or hide the results to participants (before the vote is closed)."""
    _require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    if vote.state == VoteState.CLOSED:
        raise ValidationError(_("This vote is closed and can no longer be changed."))
    vote.results_visible = visible
    vote.save(update_fields=["results_visible"])
    audit(
        actor=actor,
        action="meetings.vote.visibility",
        obj=vote,
        unit=vote.meeting.unit,
        detail={"visible": visible},
    )
    notify(vote.meeting_id, "vote.changed", vote=vote.pk)
    return vote


@transaction.atomic
def vote_cast(*, actor: Any, vote: Vote, choice: str) -> None:
    """One ballot per eligible participant marked present, while the vote is open.

    Open vote: a Ballot (person + choice). Secret vote: a VoteReceipt (person) and +1 on the
    choice's SecretTally (choice), nothing that links the two (see models.Vote).
    """
    if choice not in Choice.values:
        raise ValidationError({"choice": [_("Choose Agree, Disagree or No opinion.")]})
    vote = _locked_vote(vote)
    meeting = vote.meeting
    participant = _require_participant(actor, meeting)
    if vote.state != VoteState.OPEN:
        raise ValidationError(_("This vote is not open."))
    if participant.role not in VOTING_ROLES:
        raise ValidationError(_("Guests do not vote."))
    if participant.attendance not in PRESENT:
        raise ValidationError(_("Only participants marked present may vote."))
    record = VoteReceipt if vote.secret else Ballot
    if record.objects.filter(vote=vote, participant=participant).exists():
        raise ValidationError(_("You have already voted."))
    try:
        with transaction.atomic():
            if vote.secret:
                VoteReceipt.objects.create(vote=vote, participant=participant)
                SecretTally.objects.filter(vote=vote, choice=choice).update(count=F("count") + 1)
            else:
                Ballot.objects.create(vote=vote, participant=participant, choice=choice)
    except IntegrityError as exc:
        raise ValidationError(_("You have already voted.")) from exc
    audit(
        actor=actor,
        action="meetings.vote.cast",
        obj=vote,
        unit=meeting.unit,
        detail={} if vote.secret else {"choice": choice},
    )
    voted = record.objects.filter(vote=vote).count()
    notify(meeting.pk, "vote.progress", vote=vote.pk, voted=voted)


@transaction.atomic
def vote_close(*, actor: Any, vote: Vote) -> Vote:
    """The chair closes the vote: eligible, present, voted and the result are frozen; from now
    on the vote and its ballots cannot change."""
    _require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    if vote.state != VoteState.OPEN:
        raise ValidationError(_("This vote is not open."))
    eligible, present, voted, choices = selectors.live_counts(vote)
    vote.state = VoteState.CLOSED
    vote.closed_at = timezone.now()
    vote.eligible_count = eligible
    vote.present_count = present
    vote.voted_count = voted
    vote.agree_count = choices[Choice.AGREE]
    vote.disagree_count = choices[Choice.DISAGREE]
    vote.abstain_count = choices[Choice.ABSTAIN]
    vote.save()
    audit(
        actor=actor,
        action="meetings.vote.close",
        obj=vote,
        unit=vote.meeting.unit,
        detail={"eligible": eligible, "present": present, "voted": voted, **choices},
    )
    notify(vote.meeting_id, "vote.closed", vote=vote.pk)
    return vote


# --- conclusions and follow-up tasks ---------------------------------------------------------


@transaction.atomic
def conclusion_add(
    *, actor: Any, meeting: Meeting, text: str, item: AgendaItem | None = None
) -> Conclusion:
    _require_manage(actor, meeting)
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise ValidationError({"text": [_("The conclusion is empty.")]})
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    last = meeting.conclusions.aggregate(m=Max("position"))["m"]
    conclusion = Conclusion.objects.create(
        meeting=meeting, item=item, text=text, position=(last or 0) + 1, created_by=actor
    )
    audit(actor=actor, action="meetings.conclusion.add", obj=conclusion, unit=meeting.unit)
    notify(meeting.pk, "conclusions.changed")
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
    _require_manage(actor, meeting)
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


# --- minutes ---------------------------------------------------------------------------------


def _minutes_write(meeting: Meeting, actor: Any) -> Minutes:
    from hoiso.meetings.minutes import minutes_text

    minutes, _created = Minutes.objects.get_or_create(meeting=meeting)
    minutes.body = minutes_text(meeting)
    minutes.generated_at = timezone.now()
    minutes.save(update_fields=["body", "generated_at"])
    audit(actor=actor, action="meetings.minutes.generate", obj=minutes, unit=meeting.unit)
    notify(meeting.pk, "minutes.changed", state=minutes.state)
    return minutes


@transaction.atomic
def minutes_generate(*, actor: Any, meeting: Meeting) -> Minutes:
    """(Re)build the draft minutes from what happened; edits made so far are replaced."""
    _require_manage(actor, meeting)
    meeting = _locked(meeting)
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None and existing.state == MinutesState.FINAL:
        raise ValidationError(_("The minutes are final."))
    return _minutes_write(meeting, actor)


@transaction.atomic
def minutes_update(*, actor: Any, minutes: Minutes, body: str) -> Minutes:
    meeting = minutes.meeting
    _require_manage(actor, meeting)
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if minutes.state == MinutesState.FINAL:
        raise ValidationError(_("The minutes are final."))
    minutes.body = unicodedata.normalize("NFC", body or "")  # keeps the line breaks
    minutes.edited_by = actor
    minutes.edited_at = timezone.now()
    minutes.save(update_fields=["body", "edited_by", "edited_at"])
    audit(actor=actor, action="meetings.minutes.edit", obj=minutes, unit=meeting.unit)
    notify(meeting.pk, "minutes.changed", state=minutes.state)
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
    audit(actor=actor, action="meetings.minutes.finalise", obj=minutes, unit=meeting.unit)
    notify(meeting.pk, "minutes.changed", state=minutes.state)
    return minutes
