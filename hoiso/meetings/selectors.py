"""Every read of the meeting room: which meetings a user sees, one meeting, and the live room's
state (agenda, attendance board, speakers, votes).

A user sees a meeting when she holds ``meetings.view_meeting`` at its host unit or above (the
usual scope), or when she is one of its participants, wherever she sits. A secret meeting is
seen by its participants only, superusers included (``Meeting.restrict_condition``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from hoiso.core.access import has_perm, has_perm_at, scope_paths
from hoiso.core.audit import audit
from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import fold
from hoiso.meetings.models import (
    PRESENT,
    VOTING_ROLES,
    AgendaItem,
    Attendance,
    Ballot,
    Choice,
    Conclusion,
    FollowUpTask,
    ItemDocument,
    Meeting,
    MeetingState,
    Minutes,
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

VIEW = "meetings.view_meeting"
ADD = "meetings.add_meeting"
CHANGE = "meetings.change_meeting"


def meetings_visible(user: Any) -> QuerySet[Meeting]:
    """Meetings the user may see: in her scope or hers as a participant; secret ones only hers."""
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    mine = Participant.objects.filter(user_id=user.pk).values("meeting_id")
    if not has_perm(user, VIEW):
        return Meeting.objects.filter(pk__in=mine)
    scoped = Meeting.objects.restrict(user, "view").values("pk")
    return Meeting.objects.filter(Q(pk__in=scoped) | Q(pk__in=mine)).filter(
        Meeting.restrict_condition(user, VIEW)
    )


def _upcoming_q() -> Q:
    """Meetings in session or starting today or later (local day)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Q(starts_at__gte=today) | Q(state=MeetingState.OPEN)


def meeting_list(
    user: Any,
    *,
    state: str = "",
    upcoming: bool | None = None,
    unit: Unit | None = None,
    kind: str = "",
    q: str = "",
) -> QuerySet[Meeting]:
    """The meetings list (403 for someone with neither the permission nor an invitation).
    ``upcoming``: True for meetings in session or from today on, False for the others;
    ``unit``: hosted by that unit or below; ``q``: words of the title or place, with or
    without diacritics (secret meetings stay out for everyone outside them)."""
    qs = meetings_visible(user)
    if not has_perm(user, VIEW) and not qs.exists():
        raise PermissionDenied
    if state:
        qs = qs.filter(state=state)
    if upcoming is not None:
        qs = qs.filter(_upcoming_q()) if upcoming else qs.exclude(_upcoming_q())
    if unit is not None:
        qs = qs.filter(subtree_q(unit.path, "unit__path"))
    if kind:
        qs = qs.filter(kind=kind)
    for word in fold(q).split():
        qs = qs.filter(search_folded__contains=word)
    return qs.select_related("unit", "chair").order_by("-starts_at", "-id")


def meeting_count(user: Any) -> int:
    return meetings_visible(user).count()


def meeting_counts(user: Any) -> dict[str, int]:
    """How many meetings the user sees per state, and ``total`` (secret ones only hers)."""
    rows = meetings_visible(user).order_by().values("state").annotate(n=Count("id"))
    counts = {row["state"]: row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    return counts


def my_invitations(user: Any) -> QuerySet[Participant]:
    """The user's own invitations to meetings not yet closed, soonest first."""
    if not user.is_authenticated:
        return Participant.objects.none()
    return (
        Participant.objects.filter(user_id=user.pk)
        .exclude(meeting__state=MeetingState.CLOSED)
        .select_related("meeting__unit", "site")
        .order_by("meeting__starts_at", "meeting_id")
    )


def host_units(user: Any) -> list[Unit]:
    """Units a meeting may be created at by this user (``add_meeting`` there): the units her
    assignments sit on and the open units right under them (deeper ones by their parent)."""
    open_units = Unit.objects.filter(valid_to__isnull=True).select_related("level")
    if user.is_superuser:
        roots = list(open_units.filter(parent__isnull=True))
    else:
        roots = list(open_units.filter(path__in=scope_paths(user, ADD)).order_by("path"))
    out: list[Unit] = []
    for root in roots:
        out.append(root)
        out.extend(open_units.filter(parent=root).order_by("name", "pk"))
    return out


def unit_pick(user: Any, code: str) -> Unit | None:
    """An open unit by code among those the user may see (for sites, invitations by unit and
    task owners); None when there is none."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Unit.objects.restrict(user, "view")
        .filter(code__iexact=code, valid_to__isnull=True)
        .select_related("level")
        .first()
    )


def meeting_documents(meeting: Meeting) -> dict[int, list[ItemDocument]]:
    """Every item's documents in one query: item id → documents in order."""
    out: dict[int, list[ItemDocument]] = {}
    for doc in (
        ItemDocument.objects.filter(item__meeting=meeting)
        .select_related("document")
        .order_by("item_id", "position", "id")
    ):
        out.setdefault(doc.item_id, []).append(doc)
    return out


def meeting_conclusions(meeting: Meeting) -> QuerySet[Conclusion]:
    """The meeting's conclusions in order, with their items and follow-up tasks."""
    tasks = FollowUpTask.objects.select_related("owner_unit").order_by("deadline", "id")
    return (
        meeting.conclusions.select_related("item")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
        .order_by("position", "id")
    )


def minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).first()


def _tasks_visible(user: Any) -> QuerySet[FollowUpTask]:
    """Tasks owned by units in the user's scope (view permission); a secret meeting's tasks
    only for its participants."""
    if not user.is_authenticated or not user.is_active:
        return FollowUpTask.objects.none()
    mine = Participant.objects.filter(user_id=user.pk).values("meeting_id")
    qs = FollowUpTask.objects.filter(
        Q(conclusion__meeting__secret=False) | Q(conclusion__meeting_id__in=mine)
    )
    if user.is_superuser:
        return qs
    paths = scope_paths(user, VIEW)
    if not paths:
        return FollowUpTask.objects.none()
    scope = Q(pk__in=[])
    for path in paths:
        scope |= subtree_q(path, "owner_unit__path")
    return qs.filter(scope)


def task_list(user: Any, *, status: str = "", overdue: bool = False) -> QuerySet[FollowUpTask]:
    """Follow-up tasks of the user's units (403 without the view permission anywhere)."""
    if not has_perm(user, VIEW):
        raise PermissionDenied
    qs = _tasks_visible(user)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(
            deadline__lt=timezone.localdate(),
            status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS],
        )
    return qs.select_related("owner_unit", "conclusion__meeting").order_by(
        F("deadline").asc(nulls_last=True), "id"
    )


def task_get(user: Any, pk: int) -> FollowUpTask:
    """One task: 403 without the view permission anywhere, 404 outside the user's units."""
    if not has_perm(user, VIEW):
        raise PermissionDenied
    task = (
        _tasks_visible(user)
        .filter(pk=pk)
        .select_related("owner_unit", "conclusion__meeting__unit")
        .first()
    )
    if task is None:
        raise Http404
    return task


def meeting_get(user: Any, pk: int, *, record: bool = False) -> Meeting:
    """One meeting: 404 when the user may not see it (or it does not exist) but holds the
    permission somewhere, 403 when she holds it nowhere and is not invited. ``record``: a
    secret meeting's view is written to the audit log (pages and connects, not re-fetches)."""
    meeting = meetings_visible(user).select_related("unit", "chair").filter(pk=pk).first()
    if meeting is None:
        if not has_perm(user, VIEW):
            raise PermissionDenied
        raise Http404
    if record and meeting.secret:
        audit(actor=user, action="meetings.meeting.view", obj=meeting, unit=meeting.unit)
    return meeting


def participant_of(user: Any, meeting: Meeting) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(meeting=meeting, user_id=user.pk).first()


def can_manage(user: Any, meeting: Meeting) -> bool:
    """Organisers (change permission at the host unit) and the meeting's chair and secretary."""
    if not user.is_authenticated:
        return False
    if has_perm_at(user, CHANGE, meeting.unit.path):
        return True
    p = participant_of(user, meeting)
    return p is not None and p.drives


def can_drive(user: Any, meeting: Meeting) -> bool:
    """The chair and the secretary drive the live room (agenda, document, speakers, votes)."""
    p = participant_of(user, meeting)
    return p is not None and p.drives


# --- the live room ---------------------------------------------------------------------------


def agenda_tree(meeting: Meeting) -> list[tuple[AgendaItem, int]]:
    """Items in reading order with their depth (0 for top-level items)."""
    items = list(meeting.agenda.select_related("presenter").order_by("position", "id"))
    children: dict[int | None, list[AgendaItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    out: list[tuple[AgendaItem, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for item in children.get(parent, []):
            out.append((item, depth))
            walk(item.pk, depth + 1)

    walk(None, 0)
    return out


def agenda_numbers(meeting: Meeting) -> dict[int, str]:
    """ "1", "1.2" … for each item, in tree order."""
    numbers: dict[int, str] = {}
    counters: dict[int | None, int] = {}
    for item, _depth in agenda_tree(meeting):
        counters[item.parent_id] = counters.get(item.parent_id, 0) + 1
        prefix = numbers.get(item.parent_id, "") if item.parent_id else ""
        numbers[item.pk] = (
            f"{prefix}.{counters[item.parent_id]}" if prefix else str(counters[item.parent_id])
        )
    return numbers


def item_documents(item: AgendaItem) -> QuerySet[ItemDocument]:
    return item.documents.select_related("document").order_by("position", "id")


@dataclass
class SiteBoard:
    """One site's line on the hub's attendance board."""

    site_id: int | None
    name: str
    is_hub: bool
    lead: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def present(self) -> int:
        return sum(self.counts.get(a, 0) for a in PRESENT)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def attendance_board(meeting: Meeting) -> list[SiteBoard]:
    """Counts per site and attendance state (participants without a site on a last line)."""
    rows = (
        meeting.participants.values("site_id", "attendance")
        .annotate(n=Count("id"))
        .order_by("site_id", "attendance")
    )
    by_site: dict[int | None, Counter[str]] = {}
    for row in rows:
        by_site.setdefault(row["site_id"], Counter())[row["attendance"]] = row["n"]
    board = [
        SiteBoard(
            site.pk,
            site.name,
            site.is_hub,
            str(site.lead) if site.lead else "",
            dict(by_site.get(site.pk, Counter())),
        )
        for site in meeting.sites.select_related("lead").all()
    ]
    if None in by_site:
        board.append(SiteBoard(None, "", False, "", dict(by_site[None])))
    return board


def participants(meeting: Meeting) -> QuerySet[Participant]:
    return meeting.participants.select_related("user", "site").order_by("site_id", "id")


def speaking_list(item: AgendaItem, *, include_closed: bool = True) -> QuerySet[SpeakingRequest]:
    qs = item.speakers.select_related("participant__user")
    if not include_closed:
        qs = qs.exclude(state__in=[SpeakingState.WITHDRAWN, SpeakingState.DONE])
    return qs.order_by("position", "id")


def speaking_totals(item: AgendaItem) -> list[dict[str, Any]]:
    """Who spoke how long on an item: participant id, name, number of speeches, seconds."""
    rows = (
        item.speakers.filter(state=SpeakingState.DONE)
        .values("participant_id", "participant__user__full_name", "participant__user__username")
        .annotate(speeches=Count("id"), seconds=Sum("duration_seconds"))
        .order_by("-seconds", "participant_id")
    )
    return [
        {
            "participant": r["participant_id"],
            "name": r["participant__user__full_name"] or r["participant__user__username"],
            "speeches": r["speeches"],
            "seconds": r["seconds"] or 0,
        }
        for r in rows
    ]


def meeting_votes(meeting: Meeting) -> QuerySet[Vote]:
    return meeting.votes.order_by("id")


def vote_get(meeting: Meeting, pk: int) -> Vote:
    vote = meeting.votes.filter(pk=pk).first()
    if vote is None:
        raise Http404
    return vote


@dataclass
class VoteResult:
    vote_id: int
    state: str
    secret: bool
    eligible: int
    present: int
    voted: int
    # None while the choices may not be shown to this user
    choices: dict[str, int] | None


def eligible_participants(meeting: Meeting) -> QuerySet[Participant]:
    return meeting.participants.filter(role__in=VOTING_ROLES)


def live_counts(vote: Vote) -> tuple[int, int, int, dict[str, int]]:
    """Eligible, present, voted and the count per choice, from the rows as they are now."""
    eligible = eligible_participants(vote.meeting)
    n_eligible = eligible.count()
    n_present = eligible.filter(attendance__in=PRESENT).count()
    choices = dict.fromkeys(Choice.values, 0)
    if vote.secret:
        voted = VoteReceipt.objects.filter(vote=vote).count()
        for tally in SecretTally.objects.filter(vote=vote):
            choices[tally.choice] = tally.count
    else:
        voted = Ballot.objects.filter(vote=vote).count()
        for row in Ballot.objects.filter(vote=vote).values("choice").annotate(n=Count("id")):
            choices[row["choice"]] = row["n"]
    return n_eligible, n_present, voted, choices


def vote_result(vote: Vote, user: Any) -> VoteResult:
    """The counts; the choices only when this user may see them: a closed vote's to the chair
    and secretary always and to everyone when results are shown; an open (named) vote's live
    to the chair and secretary, and to everyone when results are shown; an open secret vote's
    to nobody (only the number who voted)."""
    drives = can_drive(user, vote.meeting)
    if vote.state == VoteState.CLOSED:
        choices = {
            Choice.AGREE.value: vote.agree_count or 0,
            Choice.DISAGREE.value: vote.disagree_count or 0,
            Choice.ABSTAIN.value: vote.abstain_count or 0,
        }
        return VoteResult(
            vote.pk,
            vote.state,
            vote.secret,
            vote.eligible_count or 0,
            vote.present_count or 0,
            vote.voted_count or 0,
            choices if (drives or vote.results_visible) else None,
        )
    eligible, present, voted, live = live_counts(vote)
    show = vote.state == VoteState.OPEN and not vote.secret and (drives or vote.results_visible)
    return VoteResult(
        vote.pk, vote.state, vote.secret, eligible, present, voted, live if show else None
    )


def my_ballot(vote: Vote, participant: Participant | None) -> dict[str, Any]:
    """Whether this participant has voted, and (open votes only) her choice."""
    if participant is None:
        return {"voted": False, "choice": None}
    if vote.secret:
        return {
            "voted": VoteReceipt.objects.filter(vote=vote, participant=participant).exists(),
            "choice": None,
        }
    ballot = Ballot.objects.filter(vote=vote, participant=participant).first()
    return {"voted": ballot is not None, "choice": ballot.choice if ballot else None}


def chair_name(meeting: Meeting) -> str:
    p = meeting.participants.filter(role=ParticipantRole.CHAIR).select_related("user").first()
    return str(p.user) if p else (str(meeting.chair) if meeting.chair else "")


def not_checked(meeting: Meeting) -> int:
    return meeting.participants.filter(attendance=Attendance.NOT_CHECKED).count()


def site_by_code(user: Any, code: str) -> Site | None:
    """The site a QR check-in code names (None for an unknown code); its meeting must be one
    the user sees (403/404 like ``meeting_get``)."""
    site = Site.objects.filter(checkin_code=(code or "").strip()).only("pk", "meeting_id").first()
    if site is None:
        return None
    meeting = meeting_get(user, site.meeting_id)
    return meeting.sites.select_related("lead", "unit").get(pk=site.pk)


def site_get(meeting: Meeting, pk: int) -> Site:
    """One site of a meeting the caller has already authorised (404 for another meeting's)."""
    site = meeting.sites.select_related("lead", "unit").filter(pk=pk).first()
    if site is None:
        raise Http404
    return site


# --- lookups inside a meeting the caller has already authorised (None: not in this meeting) ---


def agenda_item_find(meeting: Meeting, pk: Any) -> AgendaItem | None:
    try:
        return meeting.agenda.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def item_document_find(meeting: Meeting, pk: Any) -> ItemDocument | None:
    try:
        return (
            ItemDocument.objects.select_related("item", "document")
            .filter(pk=int(pk), item__meeting=meeting)
            .first()
        )
    except (TypeError, ValueError):
        return None


def speaking_request_find(meeting: Meeting, pk: Any) -> SpeakingRequest | None:
    try:
        return (
            SpeakingRequest.objects.select_related("item", "participant")
            .filter(pk=int(pk), item__meeting=meeting)
            .first()
        )
    except (TypeError, ValueError):
        return None


def participant_find(meeting: Meeting, pk: Any) -> Participant | None:
    try:
        return meeting.participants.select_related("user", "site").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
