"""Reads of opinion forms. A form is reached through its meeting (``selectors.meeting_get``:
scope, invitations and a secret meeting's secrecy decide first); then its recipients answer it
and the meeting's organisers (``selectors.can_manage``) see every form and its summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from hoiso.meetings import selectors
from hoiso.meetings.models import (
    Meeting,
    OpinionChoice,
    OpinionForm,
    OpinionResponse,
    Participant,
)


def forms_of(user: Any, meeting: Meeting) -> QuerySet[OpinionForm]:
    """The forms of a meeting this user may open: all for organisers, else those asking her."""
    qs = meeting.opinion_forms.select_related("item", "document").order_by("deadline", "id")
    if selectors.can_manage(user, meeting):
        return qs
    return qs.filter(recipients__participant__user_id=user.pk)


def recipient_of(user: Any, form: OpinionForm) -> Participant | None:
    """The user's seat in the meeting when this form asks her, else None."""
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.filter(meeting_id=form.meeting_id, user_id=user.pk)
        .filter(opinion_requests__form=form)
        .first()
    )


def form_get(user: Any, meeting_id: int, form_id: int, *, record: bool = False) -> OpinionForm:
    """A form: 404/403 as for its meeting; a form of another meeting → 404; someone who is
    neither asked nor an organiser → 403."""
    meeting = selectors.meeting_get(user, meeting_id, record=record)
    form = meeting.opinion_forms.select_related("item", "document").filter(pk=form_id).first()
    if form is None:
        raise Http404
    form.meeting = meeting
    if not (selectors.can_manage(user, meeting) or recipient_of(user, form)):
        raise PermissionDenied
    return form


def form_for_organiser(
    user: Any, meeting_id: int, form_id: int, *, record: bool = False
) -> OpinionForm:
    """A form whose summary the user may read (organisers only: 403 for the others)."""
    form = form_get(user, meeting_id, form_id, record=record)
    if not selectors.can_manage(user, form.meeting):
        raise PermissionDenied
    return form


def is_open(form: OpinionForm, now: dt.datetime | None = None) -> bool:
    """Answers are taken (and changed) until the deadline, then frozen."""
    return (now or timezone.now()) < form.deadline


def response_of(form: OpinionForm, participant: Participant | None) -> OpinionResponse | None:
    if participant is None:
        return None
    return (
        OpinionResponse.objects.filter(form=form, participant=participant)
        .prefetch_related("answers")
        .first()
    )


def person(participant: Participant) -> str:
    return str(participant.user)


@dataclass
class QuestionSummary:
    question_id: int
    number: int
    text: str
    counts: dict[str, int]
    # (name, choice, comment) of each answer that carries a comment
    comments: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class OpinionSummary:
    form: OpinionForm
    recipients: int
    answered: list[OpinionResponse]
    missing: list[Participant]
    questions: list[QuestionSummary]
    # (name, opinion) of each response with a free-text opinion
    opinions: list[tuple[str, str]]
    overdue: bool

    @property
    def overdue_missing(self) -> list[Participant]:
        """After the deadline: who never answered (the overdue warning's list)."""
        return self.missing if self.overdue else []


def summary(form: OpinionForm, now: dt.datetime | None = None) -> OpinionSummary:
    """Counts per answer and question, comments, free-text opinions, who has not answered."""
    recipients = list(
        Participant.objects.filter(opinion_requests__form=form)
        .select_related("user", "site")
        .order_by("user__full_name", "user__username", "id")
    )
    responses = list(
        form.responses.select_related("participant__user", "participant__site")
        .prefetch_related("answers")
        .order_by("participant__user__full_name", "participant__user__username", "id")
    )
    answered_ids = {r.participant_id for r in responses}
    questions = list(form.questions.order_by("position", "id"))
    by_question = {
        q.pk: QuestionSummary(q.pk, n, q.text, dict.fromkeys(OpinionChoice.values, 0))
        for n, q in enumerate(questions, start=1)
    }
    for response in responses:
        for answer in response.answers.all():
            qs = by_question.get(answer.question_id)
            if qs is None:
                continue
            qs.counts[answer.choice] = qs.counts.get(answer.choice, 0) + 1
            if answer.comment:
                qs.comments.append((person(response.participant), answer.choice, answer.comment))
    return OpinionSummary(
        form=form,
        recipients=len(recipients),
        answered=responses,
        missing=[p for p in recipients if p.pk not in answered_ids],
        questions=[by_question[q.pk] for q in questions],
        opinions=[(person(r.participant), r.opinion) for r in responses if r.opinion],
        overdue=not is_open(form, now),
    )


def missing_users(form: OpinionForm) -> list[Any]:
    """The recipients' users who have not answered (reminders)."""
    answered = form.responses.values("participant_id")
    return [
        p.user
        for p in Participant.objects.filter(opinion_requests__form=form)
        .exclude(pk__in=answered)
        .select_related("user")
    ]
