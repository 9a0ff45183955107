"""The live room's pages: the room (the chair's console or a participant's follow-along view),
the hub's attendance board, a site's printable QR code and the QR check-in.

The room is made of parts (state, agenda, document, speakers, votes), each a fragment route of
its own: the page includes them all, and room.js re-fetches one when the meeting's socket says
that it changed. Every action is a POST to ``room_act`` calling one service; with JavaScript
off the forms post and the page comes back; room.js posts them itself and refreshes the parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.meetings import rendering, selectors, selectors_docs, services, video
from hoiso.meetings.models import (
    OPEN_SPEAKING,
    PRESENT,
    VOTING_ROLES,
    AgendaItem,
    Attendance,
    Choice,
    ItemDocument,
    Meeting,
    MeetingState,
    Participant,
    SpeakingState,
    VoteState,
)

PARTS = ("state", "agenda", "document", "speakers", "votes")
# planned length of one speech (the chair's console may change it for her countdown)
SPEECH_SECONDS = 180


# --- what this viewer looks at ---------------------------------------------------------------


@dataclass
class Lens:
    """The item, document and page this viewer sees: the chair's (following) or her own."""

    following: bool
    item: AgendaItem | None
    document: ItemDocument | None
    page: int
    pages: int | None

    def query(self) -> str:
        if self.following:
            return ""
        q = QueryDict(mutable=True)
        if self.item is not None:
            q["item"] = str(self.item.pk)
        if self.document is not None:
            q["document"] = str(self.document.pk)
            q["page"] = str(self.page)
        return q.urlencode()


def _int(value: Any, default: int = 1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _pages(doc: ItemDocument | None) -> int | None:
    if doc is None:
        return None
    return rendering.document_pages(doc) or 1  # no preview: page 1 is the placeholder


def _readable(meeting: Meeting, user: Any, doc: ItemDocument | None) -> ItemDocument | None:
    """The document when this user may open it (a secret archive document only its named
    readers, as in the viewer), else None."""
    if doc is None:
        return None
    allowed = {d.pk for d in selectors_docs.meeting_documents(meeting, user)}
    return doc if doc.pk in allowed else None


def lens_for(request: HttpRequest, meeting: Meeting) -> Lens:
    """Following the chair unless the query names an item, a document or a page."""
    q = request.GET
    user = request.user
    if not any(q.get(k) for k in ("item", "document", "page")):
        shown = selectors.item_document_find(meeting, meeting.shown_document_id)
        document = _readable(meeting, user, shown)
        item = selectors.agenda_item_find(meeting, meeting.current_item_id)
        return Lens(True, item, document, meeting.shown_page or 1, _pages(document))
    found = selectors.item_document_find(meeting, q["document"]) if q.get("document") else None
    document = _readable(meeting, user, found)
    item = selectors.agenda_item_find(meeting, q.get("item")) if q.get("item") else None
    item = item or (document.item if document else None)
    if item is None and meeting.current_item_id:
        item = selectors.agenda_item_find(meeting, meeting.current_item_id)
    pages = _pages(document)
    page = max(1, _int(q.get("page")))
    if pages:
        page = min(page, pages)
    return Lens(False, item, document, page, pages)


# --- the room and its parts ------------------------------------------------------------------


@dataclass
class Viewer:
    """Who looks at the room and what she may do there."""

    participant: Participant | None
    drives: bool  # chair or secretary: the console
    manages: bool  # organisers too: the board's marking, the QR codes

    @property
    def votes(self) -> bool:
        p = self.participant
        return p is not None and p.role in VOTING_ROLES and p.attendance in PRESENT


def viewer_of(user: Any, meeting: Meeting) -> Viewer:
    participant = selectors.participant_of(user, meeting)
    drives = participant is not None and participant.drives
    return Viewer(participant, drives, drives or selectors.can_manage(user, meeting))


def _part_state(meeting: Meeting, viewer: Viewer, lens: Lens, user: Any) -> dict[str, Any]:
    numbers = selectors.agenda_numbers(meeting)
    current = selectors.agenda_item_find(meeting, meeting.current_item_id)
    return {
        "current": current,
        "current_number": numbers.get(current.pk, "") if current else "",
        "chair_name": selectors.chair_name(meeting),
        "can_open": viewer.drives and meeting.state in (MeetingState.DRAFT, MeetingState.SCHEDULED),
        "can_close": viewer.drives and meeting.state == MeetingState.OPEN,
    }


def _part_agenda(meeting: Meeting, viewer: Viewer, lens: Lens, user: Any) -> dict[str, Any]:
    numbers = selectors.agenda_numbers(meeting)
    rows = []
    for item, depth in selectors.agenda_tree(meeting):
        rows.append(
            {
                "item": item,
                "depth": depth,
                "number": numbers.get(item.pk, ""),
                "current": item.pk == meeting.current_item_id,
                "viewed": lens.item is not None and item.pk == lens.item.pk,
            }
        )
    return {"rows": rows}


def _part_document(meeting: Meeting, viewer: Viewer, lens: Lens, user: Any) -> dict[str, Any]:
    readable = selectors_docs.meeting_documents(meeting, user)
    documents = [d for d in readable if lens.item is not None and d.item_id == lens.item.pk]
    shown = next((d for d in readable if d.pk == meeting.shown_document_id), None)
    return {
        "documents": documents,
        "shown": shown,
        "prev_page": lens.page - 1 if lens.document and lens.page > 1 else None,
        "next_page": lens.page + 1
        if lens.document and (lens.pages is None or lens.page < lens.pages)
        else None,
        "live": meeting.state == MeetingState.OPEN,
    }


def _part_speakers(meeting: Meeting, viewer: Viewer, lens: Lens, user: Any) -> dict[str, Any]:
    item = selectors.agenda_item_find(meeting, meeting.current_item_id)
    requests = list(selectors.speaking_list(item)) if item else []
    waiting = [r for r in requests if r.state in OPEN_SPEAKING]
    mine = None
    if viewer.participant is not None:
        mine = next((r for r in waiting if r.participant_id == viewer.participant.pk), None)
    speaking = next((r for r in waiting if r.state == SpeakingState.SPEAKING), None)
    return {
        "item": item,
        "waiting": waiting,
        "speaking": speaking,
        "mine": mine,
        "my_place": waiting.index(mine) + 1 if mine else None,
        "totals": [
            {**t, "clock": clock(t["seconds"])}
            for t in (selectors.speaking_totals(item) if item else [])
        ],
        "can_raise": mine is None
        and item is not None
        and meeting.state == MeetingState.OPEN
        and viewer.participant is not None
        and viewer.participant.is_present,
        "speech_seconds": SPEECH_SECONDS,
        "server_now": int(timezone.now().timestamp() * 1000),
    }


def clock(seconds: int) -> str:
    """12:05 for 725 seconds."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{secs:02d}"


@dataclass
class VoteLine:
    vote: Any
    result: selectors.VoteResult
    mine: dict[str, Any]
    can_cast: bool
    rows: list[tuple[str, str, int, int]]  # choice, label, count, percent of voted


def _part_votes(meeting: Meeting, viewer: Viewer, lens: Lens, user: Any) -> dict[str, Any]:
    votes = selectors.meeting_votes(meeting).select_related("item", "document")
    if not viewer.drives:
        votes = votes.exclude(state=VoteState.DRAFT)
    lines = []
    for vote in votes:
        vote.meeting = meeting
        result = selectors.vote_result(vote, user)
        mine = selectors.my_ballot(vote, viewer.participant)
        rows = []
        if result.choices is not None:
            for choice, label in Choice.choices:
                n = result.choices.get(choice, 0)
                share = round(100 * n / result.voted) if result.voted else 0
                rows.append((choice, str(label), n, share))
        can_cast = vote.state == VoteState.OPEN and viewer.votes and not mine["voted"]
        mine["label"] = Choice(mine["choice"]).label if mine["choice"] else ""
        lines.append(VoteLine(vote, result, mine, can_cast, rows))
    # open votes first, then prepared ones (the console), then the closed ones, newest first
    order = {VoteState.OPEN: 0, VoteState.DRAFT: 1, VoteState.CLOSED: 2}
    lines.sort(key=lambda line: (order.get(line.vote.state, 3), -line.vote.pk))
    return {
        "lines": lines,
        "choices": Choice.choices,
        "live": meeting.state == MeetingState.OPEN,
    }


PART_CONTEXT: dict[str, Callable[[Meeting, Viewer, Lens, Any], dict[str, Any]]] = {
    "state": _part_state,
    "agenda": _part_agenda,
    "document": _part_document,
    "speakers": _part_speakers,
    "votes": _part_votes,
}


def _base(request: HttpRequest, meeting: Meeting, viewer: Viewer, lens: Lens) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "viewer": viewer,
        "me": viewer.participant,
        "lens": lens,
        "lens_query": lens.query(),
        "room_url": reverse("meetings:room", args=[meeting.pk]),
        "act_url": reverse("meetings:room_act", args=[meeting.pk]),
        "attendance": Attendance,
    }


@login_required
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """The live room: the chair's console for the chair and the secretary, a compact
    follow-along view for everyone else (participants, and organisers who look on)."""
    meeting = selectors.meeting_get(request.user, pk, record=True)
    viewer = viewer_of(request.user, meeting)
    lens = lens_for(request, meeting)
    context = _base(request, meeting, viewer, lens)
    for part in PARTS:
        context.update(PART_CONTEXT[part](meeting, viewer, lens, request.user))
    context["video"] = (
        video.join_info(request.user, meeting)
        if viewer.participant is not None and not meeting.secret
        else None
    )
    context["parts"] = PARTS
    return render(request, "meetings/live/room.html", context)


@login_required
def room_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One part of the room, re-fetched by room.js after a notice (no audit row: the page's
    load of a secret meeting has written it)."""
    meeting = selectors.meeting_get(request.user, pk)
    if part not in PART_CONTEXT:
        raise Http404
    viewer = viewer_of(request.user, meeting)
    lens = lens_for(request, meeting)
    context = _base(request, meeting, viewer, lens)
    context.update(PART_CONTEXT[part](meeting, viewer, lens, request.user))
    return render(request, f"meetings/live/_{part}.html", context)


# --- actions ---------------------------------------------------------------------------------


def _need(found: Any, message: str) -> Any:
    if found is None:
        raise ValidationError(message)
    return found


def _vote(meeting: Meeting, data: QueryDict) -> Any:
    vote = selectors.meeting_votes(meeting).filter(pk=_int(data.get("vote"), 0)).first()
    return _need(vote, _("There is no such vote in this meeting."))


def _request(meeting: Meeting, data: QueryDict) -> Any:
    found = selectors.speaking_request_find(meeting, data.get("request"))
    return _need(found, _("There is no such speaking request."))


def _item(meeting: Meeting, data: QueryDict) -> AgendaItem:
    found = selectors.agenda_item_find(meeting, data.get("item"))
    return _need(found, _("There is no such agenda item in this meeting."))


def _act_open(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.meeting_open(actor=user, meeting=meeting)
    return PARTS


def _act_close(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.meeting_close(actor=user, meeting=meeting)
    return PARTS


def _act_set_current(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.agenda_set_current(actor=user, meeting=meeting, item=_item(meeting, data))
    return ("state", "agenda", "document", "speakers")


def _act_show(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    document = None
    if data.get("document"):
        document = _need(
            selectors.item_document_find(meeting, data.get("document")),
            _("There is no such document in this meeting."),
        )
    page = max(1, _int(data.get("page")))
    services.document_show(actor=user, meeting=meeting, document=document, page=page)
    return ("state", "document")


def _act_raise(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    item = selectors.agenda_item_find(meeting, data.get("item") or meeting.current_item_id)
    services.speaking_raise(actor=user, item=_need(item, _("No agenda item is current.")))
    return ("speakers",)


def _act_withdraw(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.speaking_withdraw(actor=user, request=_request(meeting, data))
    return ("speakers",)


def _act_grant(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.speaking_grant(actor=user, request=_request(meeting, data))
    return ("speakers",)


def _act_start(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.speaking_start(actor=user, request=_request(meeting, data))
    return ("speakers",)


def _act_stop(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.speaking_stop(actor=user, request=_request(meeting, data))
    return ("speakers",)


def _act_vote_open(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.vote_open(actor=user, vote=_vote(meeting, data))
    return ("votes",)


def _act_vote_close(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.vote_close(actor=user, vote=_vote(meeting, data))
    return ("votes",)


def _act_vote_results(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    visible = data.get("visible") == "1"
    services.vote_set_results_visible(actor=user, vote=_vote(meeting, data), visible=visible)
    return ("votes",)


def _act_vote_cast(user: Any, meeting: Meeting, data: QueryDict) -> tuple[str, ...]:
    services.vote_cast(actor=user, vote=_vote(meeting, data), choice=str(data.get("choice")))
    return ("votes",)


ACTIONS: dict[str, Callable[[Any, Meeting, QueryDict], tuple[str, ...]]] = {
    "open": _act_open,
    "close": _act_close,
    "set_current": _act_set_current,
    "show": _act_show,
    "hand_raise": _act_raise,
    "hand_withdraw": _act_withdraw,
    "grant": _act_grant,
    "start": _act_start,
    "stop": _act_stop,
    "vote_open": _act_vote_open,
    "vote_close": _act_vote_close,
    "vote_results": _act_vote_results,
    "vote_cast": _act_vote_cast,
}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@login_required
@require_POST
def room_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One action of the room (field ``action``), one service call. room.js gets JSON
    ({ok, message, refresh: [parts]}); a plain form post comes back to the room."""
    meeting = selectors.meeting_get(request.user, pk)
    room_url = reverse("meetings:room", args=[meeting.pk])
    handler = ACTIONS.get(request.POST.get("action", ""))
    json = _wants_json(request)
    try:
        if handler is None:
            raise ValidationError(_("The meeting room does not understand this action."))
        refresh = handler(request.user, meeting, request.POST)
    except PermissionDenied:
        if json:
            message = _("You may not do this in this meeting.")
            return JsonResponse({"ok": False, "message": message, "refresh": []}, status=403)
        raise
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        if json:
            return JsonResponse({"ok": False, "message": message, "refresh": []}, status=422)
        messages.error(request, message)
        return redirect(_back(request, room_url))
    if json:
        return JsonResponse({"ok": True, "message": "", "refresh": list(refresh)})
    return redirect(_back(request, room_url))


# --- the attendance board --------------------------------------------------------------------


STATES = (Attendance.IN_PERSON, Attendance.ONLINE, Attendance.ABSENT, Attendance.NOT_CHECKED)


def _board_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    user = request.user
    viewer = viewer_of(user, meeting)
    board = selectors.attendance_board(meeting)
    site_filter = _int(request.GET.get("site"), 0) or None
    # who may mark whom: organisers, the chair and the secretary everyone; a lead her site
    led = {s.site_id for s in board if s.site_id and _leads(meeting, s.site_id, user)}
    people: list[Participant] = []
    if viewer.manages or led:
        for p in selectors.participants(meeting):
            if not viewer.manages and p.site_id not in led:
                continue
            if site_filter and p.site_id != site_filter:
                continue
            people.append(p)
    totals = {state: sum(s.counts.get(state, 0) for s in board) for state in STATES}
    return {
        "meeting": meeting,
        "board": [
            {"site": s, "cells": [(state.value, s.counts.get(state, 0)) for state in STATES]}
            for s in board
        ],
        "states": [(state, state.label) for state in STATES],
        "totals": [(state.value, totals[state]) for state in STATES],
        "total": sum(totals.values()),
        "present": totals[Attendance.IN_PERSON] + totals[Attendance.ONLINE],
        "people": people,
        "site_filter": site_filter,
        "can_mark": bool(people) or viewer.manages or bool(led),
        "manages": viewer.manages,
        "led": led,
        "closed": meeting.state == MeetingState.CLOSED,
        "viewer": viewer,
    }


def _leads(meeting: Meeting, site_id: int, user: Any) -> bool:
    return meeting.sites.filter(pk=site_id, lead_id=user.pk).exists()


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    """The hub's board: every site with its counts per attendance state, live; the people
    to mark for whoever may mark them (site leads: their site)."""
    meeting = selectors.meeting_get(request.user, pk, record=True)
    return render(request, "meetings/live/board.html", _board_context(request, meeting))


@login_required
def board_part(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk)
    return render(request, "meetings/live/_board.html", _board_context(request, meeting))


@login_required
@require_POST
def board_mark(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    """A site lead (or an organiser, the chair, the secretary) marks one person."""
    meeting = selectors.meeting_get(request.user, pk)
    participant = selectors.participant_find(meeting, participant_id)
    if participant is None:
        raise Http404
    back = reverse("meetings:board", args=[meeting.pk])
    if request.POST.get("site"):
        back += f"?site={_int(request.POST.get('site'), 0)}"
    try:
        services.attendance_mark(
            actor=request.user,
            participant=participant,
            attendance=request.POST.get("attendance", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        message = _("%(name)s: %(error)s") % {
            "name": participant.user,
            "error": " ".join(str(m) for m in exc.messages),
        }
        if request.htmx:  # type: ignore[attr-defined]
            context = _board_context(request, meeting)
            context["error"] = message
            context["error_for"] = participant.pk
            return render(request, "meetings/live/_board.html", context, status=422)
        messages.error(request, message)
        return redirect(back)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "meetings/live/_board.html", _board_context(request, meeting))
    messages.success(request, _("%(name)s: saved.") % {"name": participant.user})
    return redirect(back)


# --- QR check-in -----------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (segno; scales with its box)."""
    import segno

    code = segno.make(url, error="m")
    return str(code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-svg"))


@login_required
def checkin_qr(request: HttpRequest, pk: int, site_id: int) -> HttpResponse:
    """A site's printable page: the QR code for its door (organisers and the site's lead)."""
    meeting = selectors.meeting_get(request.user, pk)
    site = selectors.site_get(meeting, site_id)
    if not (selectors.can_manage(request.user, meeting) or site.lead_id == request.user.pk):
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("meetings:checkin", args=[site.checkin_code]))
    return render(
        request,
        "meetings/live/checkin_qr.html",
        {"meeting": meeting, "site": site, "url": url, "svg": qr_svg(url)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """What the QR code opens: the participant confirms and is marked present in person at
    that site (services.checkin_by_code)."""
    template = "meetings/live/checkin.html"
    try:
        site = selectors.site_by_code(request.user, code)
    except Http404:
        site = None  # a meeting out of her sight: the same answer as a wrong code
    except PermissionDenied:
        return render(request, template, {"problem": "outsider"}, status=403)
    if site is None:
        return render(request, template, {"problem": "code"}, status=404)
    meeting = site.meeting
    participant = selectors.participant_of(request.user, meeting)
    context: dict[str, Any] = {"meeting": meeting, "site": site, "me": participant}
    if participant is None:
        return render(request, template, {**context, "problem": "outsider"}, status=403)
    if meeting.state == MeetingState.CLOSED:
        return render(request, template, {**context, "problem": "closed"}, status=410)
    if request.method == "POST":
        try:
            services.checkin_by_code(actor=request.user, code=code)
        except ValidationError as exc:
            context["error"] = " ".join(str(m) for m in exc.messages)
            return render(request, template, context, status=422)
        messages.success(
            request,
            _("You are marked present in person at %(site)s.") % {"site": site.name},
        )
        return redirect("meetings:room", pk=meeting.pk)
    context["done"] = (
        participant.site_id == site.pk and participant.attendance == Attendance.IN_PERSON
    )
    context["starts"] = timezone.localtime(meeting.starts_at) if meeting.starts_at else None
    return render(request, template, context)
