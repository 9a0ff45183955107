"""/api/v1/meetings/: the same services and selectors as the live room.

Out of scope (or a secret meeting one does not sit in) → 404; no permission and not invited →
403; a rule broken (not present, already voted, vote closed) → 422 with the message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from hoiso.meetings import selectors, services
from hoiso.meetings.models import ItemDocument, Meeting, Minutes, Participant, Vote

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    unit: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    secret: bool
    state: str
    chair: str
    current_item: int | None
    shown_document: int | None
    shown_page: int

    @staticmethod
    def resolve_unit(obj: Meeting) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_chair(obj: Meeting) -> str:
        return str(obj.chair) if obj.chair else ""

    @staticmethod
    def resolve_current_item(obj: Meeting) -> int | None:
        return obj.current_item_id

    @staticmethod
    def resolve_shown_document(obj: Meeting) -> int | None:
        return obj.shown_document_id


class MeetingDetail(MeetingOut):
    me: dict[str, Any] | None = None


class DocumentOut(Schema):
    id: int
    title: str
    archive_document: int | None


class ItemOut(Schema):
    id: int
    number: str
    depth: int
    parent: int | None
    title: str
    presenter: str
    planned_minutes: int | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    documents: list[DocumentOut]


class SiteOut(Schema):
    id: int | None
    name: str
    is_hub: bool
    lead: str
    present: int
    total: int
    counts: dict[str, int]


class ParticipantOut(Schema):
    id: int
    name: str
    site: int | None
    role: str
    invitation: str
    attendance: str
    absence_reason: str


class AttendanceOut(Schema):
    sites: list[SiteOut]
    participants: list[ParticipantOut]


class AttendanceIn(Schema):
    attendance: str
    reason: str = ""


class CheckinIn(Schema):
    code: str


class SpeakerOut(Schema):
    id: int
    participant: int
    name: str
    position: int
    state: str
    started_at: dt.datetime | None
    duration_seconds: int | None


class SpeakersOut(Schema):
    item: int | None
    speakers: list[SpeakerOut]
    totals: list[dict[str, Any]]


class VoteIn(Schema):
    question: str
    item: int | None = None
    document: int | None = None
    secret: bool = False
    results_visible: bool = False


class VoteOut(Schema):
    id: int
    question: str
    item: int | None
    document: int | None
    secret: bool
    state: str
    results_visible: bool
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None


class ResultOut(Schema):
    vote: int
    state: str
    secret: bool
    eligible: int
    present: int
    voted: int
    choices: dict[str, int] | None
    me: dict[str, Any]


class CastIn(Schema):
    choice: str


class MinutesOut(Schema):
    meeting: int
    body: str
    state: str
    generated_at: dt.datetime | None
    finalised_at: dt.datetime | None


class MinutesIn(Schema):
    body: str


def _vote_out(vote: Vote) -> dict[str, Any]:
    return {
        "id": vote.pk,
        "question": vote.question,
        "item": vote.item_id,
        "document": vote.document_id,
        "secret": vote.secret,
        "state": vote.state,
        "results_visible": vote.results_visible,
        "opened_at": vote.opened_at,
        "closed_at": vote.closed_at,
    }


def _minutes_out(minutes: Minutes) -> dict[str, Any]:
    return {
        "meeting": minutes.meeting_id,
        "body": minutes.body,
        "state": minutes.state,
        "generated_at": minutes.generated_at,
        "finalised_at": minutes.finalised_at,
    }


@router.get("", response=list[MeetingOut], url_name="meeting_list")
def meeting_list(request: HttpRequest, state: str = "", q: str = "", limit: int = 50) -> Any:
    """Meetings you see, newest first; ``q``: words of the title or place (folded)."""
    qs = selectors.meeting_list(request.user, state=state, q=q)
    return list(qs[: max(1, min(limit, 200))])


@router.get("{meeting_id}", response=MeetingDetail, url_name="meeting_detail")
def meeting_detail(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id, record=True)
    participant = selectors.participant_of(request.user, meeting)
    meeting.me = (  # type: ignore[attr-defined]
        {
            "participant": participant.pk,
            "role": participant.role,
            "attendance": participant.attendance,
            "drives": participant.drives,
        }
        if participant
        else None
    )
    return meeting


@router.get("{meeting_id}/agenda", response=list[ItemOut], url_name="meeting_agenda")
def meeting_agenda(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    numbers = selectors.agenda_numbers(meeting)
    return [
        {
            "id": item.pk,
            "number": numbers[item.pk],
            "depth": depth,
            "parent": item.parent_id,
            "title": item.title,
            "presenter": item.presenter_name or (str(item.presenter) if item.presenter else ""),
            "planned_minutes": item.planned_minutes,
            "started_at": item.started_at,
            "ended_at": item.ended_at,
            "documents": [
                {"id": d.pk, "title": d.title, "archive_document": d.document_id}
                for d in selectors.item_documents(item)
            ],
        }
        for item, depth in selectors.agenda_tree(meeting)
    ]


def _participant_out(p: Participant) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": str(p.user),
        "site": p.site_id,
        "role": p.role,
        "invitation": p.invitation,
        "attendance": p.attendance,
        "absence_reason": p.absence_reason,
    }


@router.get("{meeting_id}/attendance", response=AttendanceOut, url_name="meeting_attendance")
def meeting_attendance(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    return {
        "sites": [
            {
                "id": s.site_id,
                "name": s.name,
                "is_hub": s.is_hub,
                "lead": s.lead,
                "present": s.present,
                "total": s.total,
                "counts": s.counts,
            }
            for s in selectors.attendance_board(meeting)
        ],
        "participants": [_participant_out(p) for p in selectors.participants(meeting)],
    }


@router.post(
    "{meeting_id}/attendance/{participant_id}",
    response=ParticipantOut,
    url_name="meeting_attendance_mark",
)
def meeting_attendance_mark(
    request: HttpRequest, meeting_id: int, participant_id: int, payload: AttendanceIn
) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    participant = selectors.participants(meeting).filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    services.attendance_mark(
        actor=request.user,
        participant=participant,
        attendance=payload.attendance,
        reason=payload.reason,
    )
    return _participant_out(participant)


@router.post("{meeting_id}/checkin", response=ParticipantOut, url_name="meeting_checkin")
def meeting_checkin(request: HttpRequest, meeting_id: int, payload: CheckinIn) -> Any:
    """QR check-in: the code printed at a site's door, with the participant's own login."""
    meeting = selectors.meeting_get(request.user, meeting_id)
    if not meeting.sites.filter(checkin_code=payload.code.strip()).exists():
        raise ValidationError({"code": [_("This check-in code is not valid.")]})
    return _participant_out(services.checkin_by_code(actor=request.user, code=payload.code))


@router.get("{meeting_id}/speakers", response=SpeakersOut, url_name="meeting_speakers")
def meeting_speakers(request: HttpRequest, meeting_id: int, item: int | None = None) -> Any:
    """The speaking list of an item (default: the current one) and who spoke how long."""
    meeting = selectors.meeting_get(request.user, meeting_id)
    item_id = item or meeting.current_item_id
    agenda_item = meeting.agenda.filter(pk=item_id).first() if item_id else None
    if item_id and agenda_item is None:
        raise Http404
    if agenda_item is None:
        return {"item": None, "speakers": [], "totals": []}
    return {
        "item": agenda_item.pk,
        "speakers": [
            {
                "id": r.pk,
                "participant": r.participant_id,
                "name": str(r.participant.user),
                "position": r.position,
                "state": r.state,
                "started_at": r.started_at,
                "duration_seconds": r.duration_seconds,
            }
            for r in selectors.speaking_list(agenda_item)
        ],
        "totals": selectors.speaking_totals(agenda_item),
    }


@router.get("{meeting_id}/votes", response=list[VoteOut], url_name="meeting_votes")
def meeting_votes(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    return [_vote_out(v) for v in selectors.meeting_votes(meeting)]


@router.post("{meeting_id}/votes", response={201: VoteOut}, url_name="vote_create")
def vote_create(request: HttpRequest, meeting_id: int, payload: VoteIn) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    item = meeting.agenda.filter(pk=payload.item).first() if payload.item else None
    document = None
    if payload.document:
        document = ItemDocument.objects.filter(pk=payload.document, item__meeting=meeting).first()
    if (payload.item and item is None) or (payload.document and document is None):
        raise Http404
    vote = services.vote_create(
        actor=request.user,
        meeting=meeting,
        question=payload.question,
        item=item,
        document=document,
        secret=payload.secret,
        results_visible=payload.results_visible,
    )
    return Status(201, _vote_out(vote))


def _result(request: HttpRequest, vote: Vote) -> dict[str, Any]:
    vote.refresh_from_db()
    result = selectors.vote_result(vote, request.user)
    participant = selectors.participant_of(request.user, vote.meeting)
    return {
        "vote": result.vote_id,
        "state": result.state,
        "secret": result.secret,
        "eligible": result.eligible,
        "present": result.present,
        "voted": result.voted,
        "choices": result.choices,
        "me": selectors.my_ballot(vote, participant),
    }


@router.get("{meeting_id}/votes/{vote_id}", response=ResultOut, url_name="vote_result")
def vote_result(request: HttpRequest, meeting_id: int, vote_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    return _result(request, selectors.vote_get(meeting, vote_id))


@router.post("{meeting_id}/votes/{vote_id}/open", response=ResultOut, url_name="vote_open")
def vote_open(request: HttpRequest, meeting_id: int, vote_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    vote = services.vote_open(actor=request.user, vote=selectors.vote_get(meeting, vote_id))
    return _result(request, vote)


@router.post("{meeting_id}/votes/{vote_id}/cast", response=ResultOut, url_name="vote_cast")
def vote_cast(request: HttpRequest, meeting_id: int, vote_id: int, payload: CastIn) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    vote = selectors.vote_get(meeting, vote_id)
    services.vote_cast(actor=request.user, vote=vote, choice=payload.choice)
    return _result(request, vote)


@router.post("{meeting_id}/votes/{vote_id}/close", response=ResultOut, url_name="vote_close")
def vote_close(request: HttpRequest, meeting_id: int, vote_id: int) -> Any:
    meeting = selectors.meeting_get(request.user, meeting_id)
    vote = services.vote_close(actor=request.user, vote=selectors.vote_get(meeting, vote_id))
    return _result(request, vote)


def _minutes_for(request: HttpRequest, meeting_id: int) -> tuple[Meeting, Minutes | None]:
    meeting = selectors.meeting_get(request.user, meeting_id)
    return meeting, Minutes.objects.filter(meeting=meeting).first()


@router.get("{meeting_id}/minutes", response=MinutesOut, url_name="meeting_minutes")
def meeting_minutes(request: HttpRequest, meeting_id: int) -> Any:
    """The minutes; drafts only to the organisers, chair and secretary."""
    meeting, minutes = _minutes_for(request, meeting_id)
    if minutes is None:
        raise Http404
    if minutes.state != "final" and not selectors.can_manage(request.user, meeting):
        raise PermissionDenied
    return _minutes_out(minutes)


@router.put("{meeting_id}/minutes", response=MinutesOut, url_name="minutes_update")
def minutes_update(request: HttpRequest, meeting_id: int, payload: MinutesIn) -> Any:
    meeting, minutes = _minutes_for(request, meeting_id)
    if minutes is None:
        minutes = services.minutes_generate(actor=request.user, meeting=meeting)
    return _minutes_out(
        services.minutes_update(actor=request.user, minutes=minutes, body=payload.body)
    )


@router.post("{meeting_id}/minutes/finalise", response=MinutesOut, url_name="minutes_finalise")
def minutes_finalise(request: HttpRequest, meeting_id: int) -> Any:
    _meeting, minutes = _minutes_for(request, meeting_id)
    if minutes is None:
        raise Http404
    return _minutes_out(services.minutes_finalise(actor=request.user, minutes=minutes))


class VideoOut(Schema):
    enabled: bool
    provider: str
    server_url: str
    domain: str
    room: str
    token: str | None
    moderator: bool
    display_name: str
    expires_at: dt.datetime | None
    reason: str


@router.get("{meeting_id}/video", response=VideoOut, url_name="meeting_video")
def meeting_video(request: HttpRequest, meeting_id: int) -> Any:
    """How to join the meeting's video (participants only), or why video is off."""
    from hoiso.meetings import video

    meeting = selectors.meeting_get(request.user, meeting_id)
    if selectors.participant_of(request.user, meeting) is None:
        raise PermissionDenied
    return video.join_info(request.user, meeting).as_dict()


def _minutes_file(request: HttpRequest, meeting_id: int, fmt: str) -> HttpResponse:
    from hoiso.meetings.exports import minutes_export

    data, content_type, filename = minutes_export(request.user, meeting_id, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("{meeting_id}/minutes.docx", url_name="minutes_docx")
def minutes_docx(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The minutes in the administrative layout as .docx (audited; never for a secret meeting)."""
    return _minutes_file(request, meeting_id, "docx")


@router.get("{meeting_id}/minutes.pdf", url_name="minutes_pdf")
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The minutes in the administrative layout as .pdf (audited; never for a secret meeting)."""
    return _minutes_file(request, meeting_id, "pdf")


# a meeting's documents: facts, page images, comments (hoiso/meetings/api_documents.py)
router.add_router("", "hoiso.meetings.api_documents.router")
# opinion forms: create, answer, summary (hoiso/meetings/api_opinions.py)
router.add_router("", "hoiso.meetings.api_opinions.router")
