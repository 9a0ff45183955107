"""Opinion forms (phiếu lấy ý kiến): the organiser sends a form on a draft with a deadline; each
recipient answers once and may change her answer until the deadline; the organiser reads the
summary and exports it. Reminders ("due soon", "overdue") come from hoiso/meetings/reminders.py.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors_opinions as opinion_selectors
from hoiso.meetings.models import (
    AgendaItem,
    ItemDocument,
    Meeting,
    OpinionAnswer,
    OpinionChoice,
    OpinionForm,
    OpinionQuestion,
    OpinionRecipient,
    OpinionResponse,
    Participant,
)
from hoiso.meetings.services._common import record_write, require_manage
from hoiso.org.models import Unit

MAX_QUESTIONS = 50
MAX_TEXT = 5000


def _local(when: dt.datetime) -> str:
    return date_format(timezone.localtime(when), "d/m/Y H:i")


def _recipients(
    meeting: Meeting, participants: Sequence[Participant] | None, units: Sequence[Unit]
) -> list[Participant]:
    """Chosen participants, plus those attending from the units' sites or holding a role at
    the units; nobody chosen: every participant."""
    from hoiso.meetings.services.people import users_of_unit

    chosen = list(participants or [])
    for p in chosen:
        if p.meeting_id != meeting.pk:
            raise ValidationError(
                {"participants": [_("Recipients must be participants of this meeting.")]}
            )
    if units:
        users = {u.pk for unit in units for u in users_of_unit(unit)}
        chosen += list(meeting.participants.filter(Q(site__unit__in=units) | Q(user_id__in=users)))
    if not participants and not units:
        chosen = list(meeting.participants.all())
    unique = {p.pk: p for p in chosen}
    return list(unique.values())


@transaction.atomic
def opinion_form_create(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    deadline: dt.datetime | None,
    questions: Iterable[str] = (),
    instructions: str = "",
    item: AgendaItem | None = None,
    document: ItemDocument | None = None,
    participants: Sequence[Participant] | None = None,
    units: Sequence[Unit] = (),
) -> OpinionForm:
    """A form on a draft (an agenda item or one of its documents) sent to participants (every
    one unless ``participants`` or ``units`` narrow it) until ``deadline``. The recipients are
    told after commit (and by the reminder sweep, should that fail)."""
    require_manage(actor, meeting)
    errors: dict[str, list[str]] = {}
    title = nfc(title or "").strip()
    if not title:
        errors["title"] = [_("The title of the opinion form is required.")]
    elif len(title) > 500:
        errors["title"] = [_("The title is too long (at most 500 characters).")]
    if deadline is None:
        errors["deadline"] = [_("The answer deadline is required.")]
    elif deadline <= timezone.now():
        errors["deadline"] = [_("The answer deadline must be later than now.")]
    texts = [nfc(q or "").strip() for q in questions]
    texts = [t for t in texts if t]
    if len(texts) > MAX_QUESTIONS:
        errors["questions"] = [_("At most %(n)d questions on one form.") % {"n": MAX_QUESTIONS}]
    elif any(len(t) > MAX_TEXT for t in texts):
        errors["questions"] = [_("A question is too long (at most 5,000 characters).")]
    if document is not None:
        if document.item.meeting_id != meeting.pk:
            errors["document"] = [_("The draft belongs to another meeting.")]
        elif item is None:
            item = document.item
    if item is not None and item.meeting_id != meeting.pk:
        errors["item"] = [_("The agenda item belongs to another meeting.")]
    if errors:
        raise ValidationError(errors)
    people = _recipients(meeting, participants, units)
    if not people:
        raise ValidationError(
            {"participants": [_("Nobody to ask: the meeting has no such participants yet.")]}
        )
    assert deadline is not None
    form = OpinionForm.objects.create(
        meeting=meeting,
        item=item,
        document=document,
        title=title,
        instructions=nfc(instructions or "").strip(),
        deadline=deadline,
        created_by=actor,
    )
    OpinionQuestion.objects.bulk_create(
        [OpinionQuestion(form=form, position=n, text=t) for n, t in enumerate(texts, start=1)]
    )
    OpinionRecipient.objects.bulk_create(
        [OpinionRecipient(form=form, participant=p) for p in people]
    )
    record_write(
        actor,
        meeting,
        "opinion.create",
        form,
        detail={"meeting": meeting.pk, "recipients": len(people), "questions": len(texts)},
    )

    def announce() -> None:
        from hoiso.meetings.reminders import opinion_form_announce

        opinion_form_announce(form)

    transaction.on_commit(announce)
    return form


AnswerValue = tuple[str, str] | Mapping[str, str]


@transaction.atomic
def opinion_respond(
    *,
    actor: Any,
    form: OpinionForm,
    answers: Mapping[int, AnswerValue] | None = None,
    opinion: str = "",
) -> OpinionResponse:
    """The actor's answer (she must be a recipient), written or replaced before the deadline.
    ``answers``: question id → (choice, comment) or {"choice", "comment"}; every question must be
    answered, and "other opinion" needs its comment. A form without questions takes the
    free-text ``opinion``."""
    participant = opinion_selectors.recipient_of(actor, form)
    if participant is None:
        raise PermissionDenied
    if not opinion_selectors.is_open(form):
        raise ValidationError(
            _("The deadline (%(when)s) has passed: answers can no longer be given or changed.")
            % {"when": _local(form.deadline)}
        )
    answers = answers or {}
    questions = list(form.questions.order_by("position", "id"))
    opinion = nfc(opinion or "").strip()
    errors: list[str] = []
    clean: list[tuple[OpinionQuestion, str, str]] = []
    known = {q.pk for q in questions}
    if any(int(k) not in known for k in answers):
        errors.append(_("An answer refers to a question that is not on this form."))
    for number, question in enumerate(questions, start=1):
        raw = answers.get(question.pk)
        if isinstance(raw, Mapping):
            choice, comment = str(raw.get("choice") or ""), str(raw.get("comment") or "")
        elif raw is not None:
            choice, comment = str(raw[0] or ""), str(raw[1] or "")
        else:
            choice, comment = "", ""
        comment = nfc(comment).strip()
        if choice not in OpinionChoice.values:
            errors.append(
                _("Question %(n)d: choose Agree, Disagree or Other opinion.") % {"n": number}
            )
        elif choice == OpinionChoice.OTHER and not comment:
            errors.append(_("Question %(n)d: write your other opinion.") % {"n": number})
        elif len(comment) > MAX_TEXT:
            errors.append(_("Question %(n)d: the comment is too long.") % {"n": number})
        else:
            clean.append((question, choice, comment))
    field_errors: dict[str, list[str]] = {}
    if errors:
        field_errors["answers"] = errors
    if not questions and not opinion:
        field_errors["opinion"] = [_("Write your opinion on the draft.")]
    elif len(opinion) > MAX_TEXT * 4:
        field_errors["opinion"] = [_("The opinion is too long (at most 20,000 characters).")]
    if field_errors:
        raise ValidationError(field_errors)
    response, created = OpinionResponse.objects.get_or_create(
        form=form, participant=participant, defaults={"opinion": opinion}
    )
    if not created:
        response.opinion = opinion
        response.save(update_fields=["opinion", "updated_at"])
        response.answers.all().delete()
    OpinionAnswer.objects.bulk_create(
        [OpinionAnswer(response=response, question=q, choice=c, comment=m) for q, c, m in clean]
    )
    # the audit row says who answered, never what
    record_write(
        actor,
        form.meeting,
        "opinion.respond",
        response,
        detail={"form": form.pk, "changed": not created},
    )
    return response


def opinion_export_xlsx(*, actor: Any, form: OpinionForm) -> bytes:
    """The summary as an .xlsx (organisers; audited). A secret meeting's forms are read in the
    app only (403), like its minutes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    meeting = form.meeting
    require_manage(actor, meeting)
    if meeting.secret:
        raise PermissionDenied
    data = opinion_selectors.summary(form)
    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Summary")[:31]
    ws.append([form.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Meeting"), meeting.title])
    ws.append([_("Deadline"), _local(form.deadline)])
    ws.append([_("Asked"), data.recipients])
    ws.append([_("Answered"), len(data.answered)])
    ws.append([_("Not answered"), len(data.missing)])
    ws.append([])
    labels = [str(label) for label in OpinionChoice.labels]
    ws.append([_("No."), _("Question"), *labels])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for q in data.questions:
        ws.append([q.number, q.text, *[q.counts.get(v, 0) for v in OpinionChoice.values]])

    sheet = wb.create_sheet(_("Answers")[:31])
    questions = data.questions
    header = [_("No."), _("Name"), _("Site"), _("Answered at")]
    for q in questions:
        header += [_("Question %(n)d") % {"n": q.number}, _("Comment %(n)d") % {"n": q.number}]
    header.append(_("Opinion"))
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
    choice_label = dict(OpinionChoice.choices)
    for n, response in enumerate(data.answered, start=1):
        by_q = {a.question_id: a for a in response.answers.all()}
        row: list[Any] = [
            n,
            opinion_selectors.person(response.participant),
            response.participant.site.name if response.participant.site else "",
            _local(response.updated_at),
        ]
        for q in questions:
            a = by_q.get(q.question_id)
            row += [str(choice_label.get(a.choice, a.choice)) if a else "", a.comment if a else ""]
        row.append(response.opinion)
        sheet.append(row)

    missing = wb.create_sheet(_("Not answered")[:31])
    missing.append([_("No."), _("Name"), _("Site")])
    for cell in missing[1]:
        cell.font = bold
    for n, p in enumerate(data.missing, start=1):
        missing.append([n, opinion_selectors.person(p), p.site.name if p.site else ""])

    out = io.BytesIO()
    wb.save(out)
    with transaction.atomic():
        audit(
            actor=actor,
            action="meetings.opinion.export",
            obj=form,
            unit=meeting.unit,
            detail={"meeting": meeting.pk, "format": "xlsx"},
        )
    return out.getvalue()
