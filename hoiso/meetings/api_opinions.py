"""/api/v1/meetings/{id}/opinions…: opinion forms (mounted on the meetings router in api.py).

Same rules as the pages: the meeting first (out of sight → 404, no permission and not invited
→ 403); organisers create forms and read summaries; recipients answer until the deadline (after
it, 422 with the message); someone neither asked nor organising → 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from hoiso.meetings import selectors, services
from hoiso.meetings import selectors_opinions as opinions
from hoiso.meetings.models import ItemDocument, OpinionForm

router = Router(tags=["meetings"])


class QuestionOut(Schema):
    id: int
    number: int
    text: str


class OpinionFormOut(Schema):
    id: int
    title: str
    instructions: str
    item: int | None
    document: int | None
    deadline: dt.datetime
    open: bool
    questions: list[QuestionOut]


class AnswerIO(Schema):
    question: int
    choice: str
    comment: str = ""


class ResponseOut(Schema):
    opinion: str
    answers: list[AnswerIO]
    submitted_at: dt.datetime
    updated_at: dt.datetime


class OpinionFormDetail(OpinionFormOut):
    recipient: bool
    response: ResponseOut | None


class OpinionFormIn(Schema):
    title: str
    deadline: dt.datetime
    questions: list[str] = []
    instructions: str = ""
    item: int | None = None
    document: int | None = None
    # none of both: every participant is asked
    participants: list[int] = []
    units: list[str] = []


class RespondIn(Schema):
    answers: list[AnswerIO] = []
    opinion: str = ""


class QuestionSummaryOut(Schema):
    number: int
    question: int
    text: str
    counts: dict[str, int]
    comments: list[dict[str, str]]


class PersonOut(Schema):
    participant: int
    name: str
    site: str


class SummaryOut(Schema):
    form: int
    deadline: dt.datetime
    overdue: bool
    recipients: int
    answered: int
    missing: list[PersonOut]
    questions: list[QuestionSummaryOut]
    opinions: list[dict[str, str]]


def _form_out(form: OpinionForm) -> dict[str, Any]:
    return {
        "id": form.pk,
        "title": form.title,
        "instructions": form.instructions,
        "item": form.item_id,
        "document": form.document_id,
        "deadline": form.deadline,
        "open": opinions.is_open(form),
        "questions": [
            {"id": q.pk, "number": n, "text": q.text}
            for n, q in enumerate(form.questions.order_by("position", "id"), start=1)
        ],
    }


def _detail(request: HttpRequest, form: OpinionForm) -> dict[str, Any]:
    me = opinions.recipient_of(request.user, form)
    response = opinions.response_of(form, me)
    out = _form_out(form)
    out["recipient"] = me is not None
    out["response"] = (
        {
            "opinion": response.opinion,
            "answers": [
                {"question": a.question_id, "choice": a.choice, "comment": a.comment}
                for a in response.answers.all()
            ],
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
        }
        if response is not None
        else None
    )
    return out


@router.get("{meeting_id}/opinions", response=list[OpinionFormOut], url_name="opinion_list")
def opinion_list(request: HttpRequest, meeting_id: int) -> Any:
    """The forms you may open: all of them for organisers, else those asking you."""
    meeting = selectors.meeting_get(request.user, meeting_id)
    return [_form_out(f) for f in opinions.forms_of(request.user, meeting)]


@router.post("{meeting_id}/opinions", response={201: OpinionFormDetail}, url_name="opinion_create")
def opinion_create(request: HttpRequest, meeting_id: int, payload: OpinionFormIn) -> Any:
    from hoiso.org.models import Unit

    meeting = selectors.meeting_get(request.user, meeting_id)
    if not selectors.can_manage(request.user, meeting):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    item = None
    document = None
    if payload.item is not None:
        item = meeting.agenda.filter(pk=payload.item).first()
        if item is None:
            errors["item"] = [_("The agenda item belongs to another meeting.")]
    if payload.document is not None:
        document = ItemDocument.objects.filter(pk=payload.document, item__meeting=meeting).first()
        if document is None:
            errors["document"] = [_("The draft belongs to another meeting.")]
    people = list(meeting.participants.filter(pk__in=payload.participants))
    if len(people) != len(set(payload.participants)):
        errors["participants"] = [_("Recipients must be participants of this meeting.")]
    units = list(Unit.objects.filter(code__in=payload.units))
    if len(units) != len(set(payload.units)):
        errors["units"] = [_("Unknown unit code.")]
    if errors:
        raise ValidationError(errors)
    form = services.opinion_form_create(
        actor=request.user,
        meeting=meeting,
        title=payload.title,
        deadline=payload.deadline,
        questions=payload.questions,
        instructions=payload.instructions,
        item=item,
        document=document,
        participants=people,
        units=units,
    )
    return Status(201, _detail(request, form))


@router.get(
    "{meeting_id}/opinions/{form_id}", response=OpinionFormDetail, url_name="opinion_detail"
)
def opinion_detail(request: HttpRequest, meeting_id: int, form_id: int) -> Any:
    """The form, and your answer if you gave one."""
    return _detail(request, opinions.form_get(request.user, meeting_id, form_id, record=True))


@router.put(
    "{meeting_id}/opinions/{form_id}/response",
    response=OpinionFormDetail,
    url_name="opinion_respond",
)
def opinion_respond(request: HttpRequest, meeting_id: int, form_id: int, payload: RespondIn) -> Any:
    """Give or change your answer (recipients, until the deadline)."""
    form = opinions.form_get(request.user, meeting_id, form_id)
    services.opinion_respond(
        actor=request.user,
        form=form,
        answers={a.question: (a.choice, a.comment) for a in payload.answers},
        opinion=payload.opinion,
    )
    return _detail(request, form)


@router.get(
    "{meeting_id}/opinions/{form_id}/summary", response=SummaryOut, url_name="opinion_summary"
)
def opinion_summary(request: HttpRequest, meeting_id: int, form_id: int) -> Any:
    """Counts per answer, comments, opinions and who has not answered (organisers)."""
    form = opinions.form_for_organiser(request.user, meeting_id, form_id, record=True)
    data = opinions.summary(form)
    return {
        "form": form.pk,
        "deadline": form.deadline,
        "overdue": data.overdue,
        "recipients": data.recipients,
        "answered": len(data.answered),
        "missing": [
            {"participant": p.pk, "name": str(p.user), "site": p.site.name if p.site else ""}
            for p in data.missing
        ],
        "questions": [
            {
                "number": q.number,
                "question": q.question_id,
                "text": q.text,
                "counts": q.counts,
                "comments": [
                    {"name": name, "choice": choice, "comment": comment}
                    for name, choice, comment in q.comments
                ],
            }
            for q in data.questions
        ],
        "opinions": [{"name": name, "opinion": text} for name, text in data.opinions],
    }
