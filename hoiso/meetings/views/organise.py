"""The organiser's pages: the meetings list with invitations, create and edit, the meeting page
(sites, participants, agenda, documents, votes, conclusions, tasks, minutes, video status) and
its state changes, sites. The participants page, agenda items and documents, votes,
conclusions, tasks and minutes are in organise_content.py.

Every read goes through the selectors (a meeting out of sight → 404, no permission anywhere
and not invited → 403); every write through one service; the services' rule errors are shown
next to the field they name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.core.access import has_perm
from hoiso.core.forms import add_service_errors, run_service
from hoiso.meetings import selectors, services
from hoiso.meetings.forms import (
    AgendaItemForm,
    ConclusionForm,
    FilterForm,
    MeetingForm,
    SiteForm,
    SiteLeadForm,
    TaskForm,
    VoteForm,
)
from hoiso.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingState,
    MinutesState,
    Participant,
    ParticipantRole,
    Site,
    TaskStatus,
)

PAGE_SIZE = 25
PEOPLE_LIMIT = 20
TASK_LIMIT = 200
# "Nguyễn Thị Hoa (canbo_phoyen)": the people search's options end with the username
PERSON_RE = re.compile(r"\(([^()\s]+)\)\s*$")


# --- helpers ---------------------------------------------------------------------------------


def _managed(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, for someone who may organise it (403 otherwise, 404 out of sight)."""
    meeting = selectors.meeting_get(request.user, pk)
    if not selectors.can_manage(request.user, meeting):
        raise PermissionDenied
    return meeting


def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _next_or(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _people_in_scope(user: Any) -> Any:
    """People the user may pick (a role in her meetings scope); None when she may pick nobody."""
    from hoiso.accounts.selectors import user_list

    try:
        return user_list(user, perm=selectors.VIEW)
    except PermissionDenied:
        return None


def _find_person(user: Any, text: str, meeting: Meeting | None = None) -> Any:
    """The person a name box names ("Name (username)" or a bare username): someone in the
    user's scope or, given a meeting, one of its participants. None when nobody matches."""
    from hoiso.accounts.models import User

    text = (text or "").strip()
    if not text:
        return None
    match = PERSON_RE.search(text)
    username = match.group(1) if match else text
    if meeting is not None:
        participant = selectors.participants(meeting).filter(user__username=username).first()
        if participant is not None:
            return participant.user
    people = _people_in_scope(user)
    if people is None:
        return None
    found: User | None = people.filter(username=username).first()
    return found


def _person_label(user: Any) -> str:
    return f"{user} ({user.username})" if user is not None else ""


def _unit_options(user: Any) -> list[Any]:
    """The unit boxes' suggestions: the user's units and those right under them."""
    from hoiso.documents.views.archive import filter_units

    return filter_units(user)


def _numbered(meeting: Meeting) -> list[tuple[AgendaItem, str]]:
    numbers = selectors.agenda_numbers(meeting)
    return [(item, numbers[item.pk]) for item, _depth in selectors.agenda_tree(meeting)]


def _item_of(meeting: Meeting, pk: int | None) -> AgendaItem | None:
    if not pk:
        return None
    item = meeting.agenda.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def _site_of(meeting: Meeting, pk: int | None) -> Site | None:
    if not pk:
        return None
    site = meeting.sites.filter(pk=pk).first()
    if site is None:
        raise Http404
    return site


# --- the list --------------------------------------------------------------------------------


def _page(qs: Any, cursor: str, ascending: bool) -> tuple[list[Meeting], str | None]:
    """Keyset paging on (start, id): the rows after ``cursor`` ("<timestamp>_<id>")."""
    if cursor and "_" in cursor:
        stamp, _sep, ident = cursor.partition("_")
        try:
            at = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
            pk = int(ident)
        except (ValueError, OverflowError):
            at, pk = None, 0
        if at is not None:
            if ascending:
                qs = qs.filter(Q(starts_at__gt=at) | Q(starts_at=at, pk__gt=pk))
            else:
                qs = qs.filter(Q(starts_at__lt=at) | Q(starts_at=at, pk__lt=pk))
    qs = qs.order_by("starts_at", "pk") if ascending else qs.order_by("-starts_at", "-pk")
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    last = rows[-1] if rows and more else None
    return rows, (f"{last.starts_at.timestamp():.6f}_{last.pk}" if last else None)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings the user sees (secret ones only hers), filters, counts and her invitations."""
    user = request.user
    form = FilterForm(request.GET)
    flt: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    unit = selectors.unit_pick(user, flt.get("unit", "")) if flt.get("unit") else None
    if flt.get("unit") and unit is None:
        form.add_error("unit", _("No open unit in your scope has this code."))
    when = flt.get("when", "")
    qs = selectors.meeting_list(
        user,
        state=flt.get("state", ""),
        upcoming={"upcoming": True, "past": False}.get(when),
        unit=unit,
        kind=flt.get("kind", ""),
        q=flt.get("q", ""),
    )
    rows, next_cursor = _page(qs, request.GET.get("after", ""), ascending=when == "upcoming")
    query = request.GET.copy()
    query.pop("after", None)
    invitations = list(selectors.my_invitations(user)[:20])
    counts = selectors.meeting_counts(user)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "form": form,
            "meetings": rows,
            "next_cursor": next_cursor,
            "query": query.urlencode(),
            "total": counts["total"],
            "state_counts": [(v, label, counts.get(v, 0)) for v, label in MeetingState.choices],
            "invitations": invitations,
            "units": _unit_options(user),
            "can_add": has_perm(user, selectors.ADD),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def invitation_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited person accepts or declines (``answer``: accept | decline)."""
    meeting = selectors.meeting_get(request.user, pk)
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("Choose accept or decline."))
    else:
        try:
            services.invitation_respond(
                actor=request.user, meeting=meeting, accept=answer == "accept"
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("You accepted the invitation.")
                if answer == "accept"
                else _("You declined the invitation."),
            )
    return _next_or(request, reverse("meetings:meeting_detail", args=[meeting.pk]))


@login_required
def people_search(request: HttpRequest) -> HttpResponse:
    """People in the user's scope matching ``q`` (htmx): datalist options, or tick boxes for
    the invitation form (``as=ticks``)."""
    if not has_perm(request.user, selectors.VIEW):
        raise PermissionDenied
    # the name box sends itself under its own name (chair, site-lead …); ``q`` otherwise
    q = request.GET.get("q", "")
    if not q:
        q = next((str(v) for k, v in request.GET.items() if k != "as" and str(v).strip()), "")
    q = q.strip()
    match = PERSON_RE.search(q)
    if match:  # an option already picked: look it up by its username
        q = match.group(1)
    people: list[Any] = []
    if len(q) >= 2 and _people_in_scope(request.user) is not None:
        from hoiso.accounts.selectors import user_list

        people = list(
            user_list(request.user, q=q, perm=selectors.VIEW).filter(is_active=True)[:PEOPLE_LIMIT]
        )
    template = (
        "meetings/_people_ticks.html"
        if request.GET.get("as") == "ticks"
        else "meetings/_people_options.html"
    )
    return render(request, template, {"people": people, "q": q})


# --- create and edit -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, selectors.ADD):
        raise PermissionDenied
    units = selectors.host_units(user)
    by_pk = {u.pk: u for u in units}
    initial: dict[str, Any] = {}
    if request.GET.get("unit"):
        chosen = next((u for u in units if u.code == request.GET["unit"]), None)
        if chosen is not None:
            initial["unit"] = chosen.pk
    form = MeetingForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chair = _find_person(user, d["chair"])
        if d["chair"] and chair is None:
            form.add_error("chair", _("Nobody in your scope has this name; pick from the list."))
        else:
            try:
                meeting = services.meeting_create(
                    actor=user,
                    unit=by_pk[d["unit"]],
                    title=d["title"],
                    kind=d["kind"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    place=d["place"],
                    secret=d["secret"],
                    chair=chair,
                )
            except PermissionDenied:
                form.add_error("unit", _("You may not create meetings at this unit."))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The meeting was created as a draft."))
                return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    user = request.user
    current_chair = meeting.participants.filter(role=ParticipantRole.CHAIR).first()
    initial = {
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at) if meeting.ends_at else None,
        "place": meeting.place,
        "secret": meeting.secret,
        "chair": _person_label(current_chair.user) if current_chair else "",
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chair = _find_person(user, d["chair"], meeting)
        if d["chair"] and chair is None:
            form.add_error("chair", _("Nobody in your scope has this name; pick from the list."))
        else:
            try:
                # the details and the chair together, or nothing
                with transaction.atomic():
                    services.meeting_update(
                        actor=user,
                        meeting=meeting,
                        **{k: d[k] for k in services.UPDATABLE},
                    )
                    if chair is not None and (
                        current_chair is None or current_chair.user_id != chair.pk
                    ):
                        _make_chair(user, meeting, chair)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


def _make_chair(actor: Any, meeting: Meeting, user: Any) -> None:
    participant = selectors.participant_of(user, meeting)
    if participant is None:
        services.participants_add(
            actor=actor,
            meeting=meeting,
            users=[user],
            role=ParticipantRole.CHAIR,
            site=meeting.sites.filter(is_hub=True).first(),
        )
    else:
        services.participant_update(actor=actor, participant=participant, role="chair")


# --- the meeting page ------------------------------------------------------------------------


def _forms(
    meeting: Meeting, numbered: list[tuple[AgendaItem, str]], people: list[Any]
) -> dict[str, Any]:
    documents = [d for docs in selectors.meeting_documents(meeting).values() for d in docs]
    return {
        "site_form": SiteForm(prefix="site"),
        "item_form": AgendaItemForm(prefix="item", items=numbered, people=people),
        "vote_form": VoteForm(prefix="vote", items=numbered, documents=documents),
        "conclusion_form": ConclusionForm(prefix="conclusion", items=numbered),
    }


def _detail(
    request: HttpRequest,
    meeting: Meeting,
    bound: dict[str, Any] | None = None,
    *,
    open_form: str = "",
    status: int = 200,
) -> HttpResponse:
    """The meeting page; ``bound`` replaces a blank form by the one that came back with errors."""
    from hoiso.meetings import video

    user = request.user
    me = selectors.participant_of(user, meeting)
    manage = selectors.can_manage(user, meeting)
    drive = me is not None and me.drives
    numbered = _numbered(meeting)
    tree = selectors.agenda_tree(meeting)
    numbers = {item.pk: number for item, number in numbered}
    documents = selectors.meeting_documents(meeting)
    agenda = [
        {
            "item": item,
            "depth": depth,
            "indent": min(depth, 4),
            "number": numbers[item.pk],
            "presenter": item.presenter_name or (str(item.presenter) if item.presenter else ""),
            "documents": documents.get(item.pk, []),
        }
        for item, depth in tree
    ]
    people = list(selectors.participants(meeting))
    board = selectors.attendance_board(meeting)
    sites = {s.pk: s for s in meeting.sites.select_related("lead", "unit")}
    by_site: dict[int | None, list[Participant]] = {}
    for p in people:
        by_site.setdefault(p.site_id, []).append(p)
    site_rows = [
        {
            "board": b,
            "site": sites.get(b.site_id) if b.site_id else None,
            "people": by_site.get(b.site_id, []),
            "is_lead": b.site_id in sites and sites[b.site_id].lead_id == user.pk,
            "lead_open": open_form == f"lead-{b.site_id}",
            "lead_form": (bound or {}).get("lead_form")
            if open_form == f"lead-{b.site_id}"
            else SiteLeadForm(prefix="lead", auto_id=f"id_lead{b.site_id}_%s"),
        }
        for b in board
    ]
    conclusions = [
        {
            "c": c,
            "task_open": open_form == f"task-{c.pk}",
            "task_form": (bound or {}).get("task_form")
            if open_form == f"task-{c.pk}"
            else TaskForm(
                prefix="task", auto_id=f"id_task{c.pk}_%s", initial={"remind_days_before": 3}
            ),
        }
        for c in selectors.meeting_conclusions(meeting)
    ]
    votes = [(v, selectors.vote_result(v, user)) for v in selectors.meeting_votes(meeting)]
    minutes = selectors.minutes_of(meeting)
    if me is not None:
        join = video.join_info(user, meeting)
        video_on, video_reason = join.enabled, join.reason
    else:
        join_off = meeting.secret or not video.provider().configured()
        video_on = not join_off
        video_reason = (
            _("A secret meeting has no video room.")
            if meeting.secret
            else (_("Video is off: no video server is configured.") if join_off else "")
        )
    forms = _forms(meeting, numbered, people)
    forms.update(bound or {})
    closed = meeting.state == MeetingState.CLOSED
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "me": me,
            "manage": manage,
            "drive": drive,
            "is_chair": me is not None and me.role == ParticipantRole.CHAIR,
            "organise": manage and not closed,
            "closed": closed,
            "agenda": agenda,
            "site_rows": site_rows,
            "participant_count": len(people),
            "votes": votes,
            "conclusions": conclusions,
            "minutes": minutes,
            "minutes_exportable": minutes is not None
            and not meeting.secret
            and (minutes.state == MinutesState.FINAL or manage),
            "video_on": video_on,
            "video_reason": video_reason,
            "chair_name": selectors.chair_name(meeting),
            "open_form": open_form,
            "task_statuses": TaskStatus.choices,
            "today": timezone.localdate(),
            "units": _unit_options(user) if manage else [],
            "can_schedule": manage and meeting.state == MeetingState.DRAFT,
            "can_open": drive and meeting.state in (MeetingState.DRAFT, MeetingState.SCHEDULED),
            "can_close": drive and meeting.state == MeetingState.OPEN,
            **forms,
        },
        status=status,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk, record=True)
    return _detail(request, meeting)


@login_required
@require_POST
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    run_service(
        request,
        lambda: services.meeting_schedule(actor=request.user, meeting=meeting),
        _("The meeting is scheduled; the invitations are out."),
    )
    return _back(meeting)


@login_required
@require_POST
def meeting_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair (or secretary) opens the session and goes to the live room."""
    meeting = selectors.meeting_get(request.user, pk)
    if not selectors.can_drive(request.user, meeting):
        raise PermissionDenied
    if not run_service(request, lambda: services.meeting_open(actor=request.user, meeting=meeting)):
        return _back(meeting)
    return redirect("meetings:room", pk=meeting.pk)


@login_required
@require_POST
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk)
    if not selectors.can_drive(request.user, meeting):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.meeting_close(actor=request.user, meeting=meeting),
        _("The meeting is closed; the draft minutes are ready."),
    )
    return _back(meeting)


# --- sites -----------------------------------------------------------------------------------


@login_required
@require_POST
def site_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    form = SiteForm(request.POST, prefix="site")
    if form.is_valid():
        d = form.cleaned_data
        unit = selectors.unit_pick(request.user, d["unit"]) if d["unit"] else None
        lead = _find_person(request.user, d["lead"], meeting)
        if d["unit"] and unit is None:
            form.add_error("unit", _("No open unit in your scope has this code."))
        if d["lead"] and lead is None:
            form.add_error("lead", _("Nobody in your scope has this name; pick from the list."))
        if form.is_valid():
            try:
                site = services.site_add(
                    actor=request.user, meeting=meeting, name=d["name"], unit=unit, lead=lead
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Site %(name)s added.") % {"name": site.name})
                return _back(meeting, "sites")
    return _detail(request, meeting, {"site_form": form}, open_form="site")


@login_required
@require_POST
def site_lead(request: HttpRequest, pk: int, site_id: int) -> HttpResponse:
    meeting = _managed(request, pk)
    site = _site_of(meeting, site_id)
    assert site is not None
    form = SiteLeadForm(request.POST, prefix="lead", auto_id=f"id_lead{site.pk}_%s")
    if form.is_valid():
        lead = _find_person(request.user, form.cleaned_data["lead"], meeting)
        if lead is None:
            form.add_error("lead", _("Nobody in your scope has this name; pick from the list."))
        else:
            try:
                services.site_set_lead(actor=request.user, site=site, lead=lead)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s leads this site.") % {"name": lead})
                return _back(meeting, "sites")
    return _detail(request, meeting, {"lead_form": form}, open_form=f"lead-{site.pk}")
