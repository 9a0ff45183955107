"""Opinion forms (phiếu lấy ý kiến): the list of a meeting's forms, creating one (organisers),
answering it (recipients; made for phones), the summary and its .xlsx export (organisers).

Reads go through selectors_opinions (the meeting first: out of sight → 404, no permission and
not invited → 403), writes through services/opinions.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hoiso.core.forms import add_service_errors
from hoiso.meetings import selectors, services
from hoiso.meetings import selectors_opinions as opinions
from hoiso.meetings.forms_opinions import OpinionFormForm
from hoiso.meetings.models import OpinionChoice, OpinionForm


@login_required
def opinion_list(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk, record=True)
    manage = selectors.can_manage(request.user, meeting)
    forms = list(opinions.forms_of(request.user, meeting))
    me = selectors.participant_of(request.user, meeting)
    answered = (
        set(me.opinion_responses.values_list("form_id", flat=True)) if me is not None else set()
    )
    now = timezone.now()
    rows = [
        {"form": f, "open": opinions.is_open(f, now), "answered": f.pk in answered} for f in forms
    ]
    return render(
        request,
        "meetings/opinions/list.html",
        {"meeting": meeting, "rows": rows, "manage": manage},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk)
    if not selectors.can_manage(request.user, meeting):
        raise PermissionDenied
    form = OpinionFormForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.opinion_form_create(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                deadline=data["deadline"],
                questions=form.question_lines(),
                instructions=data["instructions"],
                document=data["document"],
                participants=list(data["participants"]),
                units=list(data["units"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The opinion form is sent to its recipients."))
            return redirect("meetings:opinion_summary", pk=meeting.pk, form_id=created.pk)
    return render(request, "meetings/opinions/create.html", {"meeting": meeting, "form": form})


def _posted_answers(request: HttpRequest, form: OpinionForm) -> dict[int, tuple[str, str]]:
    return {
        q.pk: (request.POST.get(f"q{q.pk}", ""), request.POST.get(f"c{q.pk}", ""))
        for q in form.questions.all()
    }


@login_required
@require_http_methods(["GET", "POST"])
def opinion_answer(request: HttpRequest, pk: int, form_id: int) -> HttpResponse:
    """The form and the user's answer (recipients answer; organisers see it read-only)."""
    form = opinions.form_get(request.user, pk, form_id, record=True)
    me = opinions.recipient_of(request.user, form)
    response = opinions.response_of(form, me)
    questions = list(form.questions.order_by("position", "id"))
    errors: dict[str, list[str]] = {}
    if response is not None:
        given = {a.question_id: (a.choice, a.comment) for a in response.answers.all()}
        opinion = response.opinion
    else:
        given, opinion = {}, ""
    if request.method == "POST":
        if me is None:
            raise PermissionDenied
        given = _posted_answers(request, form)
        opinion = request.POST.get("opinion", "")
        try:
            services.opinion_respond(actor=request.user, form=form, answers=given, opinion=opinion)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(
                request, _("Your answer is saved. You may change it until the deadline.")
            )
            return redirect("meetings:opinion_answer", pk=pk, form_id=form.pk)
    rows = [
        {
            "q": q,
            "number": n,
            "choice": given.get(q.pk, ("", ""))[0],
            "comment": given.get(q.pk, ("", ""))[1],
        }
        for n, q in enumerate(questions, start=1)
    ]
    return render(
        request,
        "meetings/opinions/answer.html",
        {
            "meeting": form.meeting,
            "opinion_form": form,
            "rows": rows,
            "choices": OpinionChoice.choices,
            "opinion": opinion,
            "response": response,
            "recipient": me is not None,
            "open": opinions.is_open(form),
            "manage": selectors.can_manage(request.user, form.meeting),
            "errors": errors,
        },
    )


@login_required
def opinion_summary(request: HttpRequest, pk: int, form_id: int) -> HttpResponse:
    form = opinions.form_for_organiser(request.user, pk, form_id, record=True)
    data = opinions.summary(form)
    return render(
        request,
        "meetings/opinions/summary.html",
        {
            "meeting": form.meeting,
            "opinion_form": form,
            "data": data,
            "choices": OpinionChoice.choices,
            "can_export": not form.meeting.secret,
        },
    )


@login_required
def opinion_export(request: HttpRequest, pk: int, form_id: int) -> HttpResponse:
    form = opinions.form_for_organiser(request.user, pk, form_id)
    content = services.opinion_export_xlsx(actor=request.user, form=form)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="phieu-y-kien-{form.pk}.xlsx"'
    return response
