"""The organiser's pages, continued: the participants page, agenda items and their documents
(upload or archive pick), votes, conclusions and follow-up tasks, the task list and the minutes.
Helpers and the meeting page itself are in organise.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.core.access import has_perm, has_perm_at
from hoiso.core.forms import add_service_errors, run_service
from hoiso.meetings import selectors, services
from hoiso.meetings.forms import (
    AgendaItemForm,
    ConclusionForm,
    InvitePeopleForm,
    InviteUnitForm,
    ItemDocumentForm,
    MinutesForm,
    ParticipantForm,
    TaskFilterForm,
    TaskForm,
    TaskStatusForm,
    VoteForm,
)
from hoiso.meetings.models import (
    Meeting,
    MeetingState,
    MinutesState,
    ParticipantRole,
    TaskStatus,
)
from hoiso.meetings.views.organise import (
    TASK_LIMIT,
    _back,
    _detail,
    _item_of,
    _managed,
    _next_or,
    _numbered,
    _people_in_scope,
    _site_of,
    _unit_options,
)

# --- participants ----------------------------------------------------------------------------


def _roles() -> list[Any]:
    from hoiso.accounts.models import Role

    return list(Role.objects.filter(self_only=False).order_by("name"))


def _participants_page(
    request: HttpRequest, meeting: Meeting, bound: dict[str, Any] | None = None
) -> HttpResponse:
    sites = list(meeting.sites.all())
    people = list(selectors.participants(meeting))
    forms: dict[str, Any] = {
        "people_form": InvitePeopleForm(prefix="people", sites=sites),
        "unit_form": InviteUnitForm(prefix="byunit", sites=sites, roles=_roles()),
    }
    forms.update(bound or {})
    rows = [
        (
            p,
            ParticipantForm(
                prefix="p",
                auto_id=f"id_p{p.pk}_%s",
                sites=sites,
                initial={"role": p.role, "site": p.site_id},
            ),
        )
        for p in people
    ]
    return render(
        request,
        "meetings/participants.html",
        {
            "meeting": meeting,
            "rows": rows,
            "sites": sites,
            "units": _unit_options(request.user),
            "closed": meeting.state == MeetingState.CLOSED,
            **forms,
        },
    )


@login_required
def participant_list(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    return _participants_page(request, meeting)


@login_required
@require_POST
def participants_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite by name (``mode=people``: the ticked ids) or by unit (``mode=unit``)."""
    meeting = _managed(request, pk)
    sites = list(meeting.sites.all())
    by_unit = request.POST.get("mode") == "unit"
    form: InvitePeopleForm | InviteUnitForm
    key = "unit_form" if by_unit else "people_form"
    if by_unit:
        form = InviteUnitForm(request.POST, prefix="byunit", sites=sites, roles=_roles())
    else:
        form = InvitePeopleForm(request.POST, prefix="people", sites=sites)
        ids = [int(v) for v in request.POST.getlist("people-users") if v.isdigit()]
        form.set_user_choices(ids)
    if form.is_valid():
        d = form.cleaned_data
        site = _site_of(meeting, d.get("site"))
        users: list[Any] = []
        unit = None
        if by_unit:
            unit = selectors.unit_pick(request.user, d["unit"])
            if unit is None:
                form.add_error("unit", _("No open unit in your scope has this code."))
        else:
            scope = _people_in_scope(request.user)
            users = list(scope.filter(pk__in=d["users"])) if scope is not None else []
            if len(users) != len(set(d["users"])):
                form.add_error("users", _("Some of these people are outside your scope."))
        if form.is_valid():
            try:
                added = services.participants_add(
                    actor=request.user,
                    meeting=meeting,
                    users=users,
                    unit=unit,
                    unit_role=d.get("unit_role", ""),
                    subtree=d.get("subtree", False),
                    site=site,
                    role=d["role"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if added:
                    messages.success(
                        request,
                        ngettext("%(n)d person invited.", "%(n)d people invited.", len(added))
                        % {"n": len(added)},
                    )
                else:
                    messages.warning(request, _("Nobody new: everyone found was already invited."))
                return redirect("meetings:participant_list", pk=meeting.pk)
    return _participants_page(request, meeting, {key: form})


@login_required
@require_POST
def participant_update(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    """Change someone's role (chair, secretary, delegate, guest) or site."""
    meeting = _managed(request, pk)
    participant = selectors.participants(meeting).filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    sites = list(meeting.sites.all())
    form = ParticipantForm(request.POST, prefix="p", sites=sites)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.participant_update(
                actor=request.user,
                participant=participant,
                role=d["role"] if d["role"] != participant.role else None,
                site=_site_of(meeting, d.get("site")),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _next_or(request, reverse("meetings:participant_list", args=[meeting.pk]))


# --- agenda and documents --------------------------------------------------------------------


def _presenter(meeting: Meeting, user_id: int | None) -> Any:
    if not user_id:
        return None
    participant = selectors.participants(meeting).filter(user_id=user_id).first()
    if participant is None:
        raise Http404
    return participant.user


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    numbered = _numbered(meeting)
    people = list(selectors.participants(meeting))
    form = AgendaItemForm(request.POST, prefix="item", items=numbered, people=people)
    if form.is_valid():
        d = form.cleaned_data
        try:
            item = services.agenda_item_add(
                actor=request.user,
                meeting=meeting,
                title=d["title"],
                parent=_item_of(meeting, d.get("parent")),
                presenter=_presenter(meeting, d.get("presenter")),
                presenter_name=d["presenter_name"],
                planned_minutes=d["planned_minutes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Item “%(title)s” added.") % {"title": item.title})
            return _back(meeting, "agenda")
    return _detail(request, meeting, {"item_form": form}, open_form="item")


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    meeting = _managed(request, pk)
    item = _item_of(meeting, item_id)
    assert item is not None
    people = list(selectors.participants(meeting))
    initial = {
        "title": item.title,
        "presenter": item.presenter_id,
        "presenter_name": item.presenter_name,
        "planned_minutes": item.planned_minutes,
        "position": item.position,
    }
    form = AgendaItemForm(request.POST or None, items=[], people=people, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        changes: dict[str, Any] = {
            "title": d["title"],
            "presenter": _presenter(meeting, d.get("presenter")),
            "presenter_name": d["presenter_name"],
            "planned_minutes": d["planned_minutes"],
        }
        if d["position"] is not None:
            changes["position"] = d["position"]
        try:
            services.agenda_item_update(actor=request.user, item=item, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _back(meeting, "agenda")
    number = selectors.agenda_numbers(meeting).get(item.pk, "")
    return render(
        request,
        "meetings/item_form.html",
        {"meeting": meeting, "item": item, "number": number, "form": form},
    )


def _archive_hits(request: HttpRequest, meeting: Meeting, q: str) -> tuple[list[Any], str]:
    """Archive documents the user may see matching ``q`` (secret ones only for a secret
    meeting); the second value explains an empty answer."""
    from hoiso.documents import selectors as documents

    if not has_perm(request.user, "documents.view_document"):
        return [], _("You cannot search the document archive.")
    if len(q.strip()) < 2:
        return [], ""
    flt = documents.DocumentFilter.from_query({"q": q})
    if not meeting.secret:
        flt.secrecy = documents.SECRET_NONE
    page = documents.document_search(request.user, flt, page_size=10)
    return page.documents, "" if page.documents else _("No document matches.")


@login_required
@require_http_methods(["GET", "POST"])
def item_documents(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """An item's documents: upload a file or pick one from the archive (search with htmx)."""
    meeting = _managed(request, pk)
    item = _item_of(meeting, item_id)
    assert item is not None
    q = request.GET.get("q", "")
    if request.method == "GET" and getattr(request, "htmx", False) and "q" in request.GET:
        hits, note = _archive_hits(request, meeting, q)
        return render(request, "meetings/_archive_hits.html", {"hits": hits, "note": note, "q": q})
    form = ItemDocumentForm(request.POST or None, request.FILES or None)
    hits, note = _archive_hits(request, meeting, q) if q else ([], "")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        document = None
        if d["archive_document"]:
            document = _archive_document(request, meeting, d["archive_document"], form)
        if form.is_valid():
            upload = d.get("file")
            try:
                services.item_document_add(
                    actor=request.user,
                    item=item,
                    title=d["title"],
                    document=document,
                    file=upload,
                    filename=getattr(upload, "name", "") if upload else "",
                )
            except PermissionDenied:
                form.add_error("archive_document", _("This archive document is not yours to see."))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Document attached."))
                return redirect("meetings:item_documents", pk=meeting.pk, item_id=item.pk)
    number = selectors.agenda_numbers(meeting).get(item.pk, "")
    return render(
        request,
        "meetings/item_documents.html",
        {
            "meeting": meeting,
            "item": item,
            "number": number,
            "form": form,
            "documents": selectors.item_documents(item),
            "hits": hits,
            "note": note,
            "q": q,
            "can_search": has_perm(request.user, "documents.view_document"),
        },
    )


def _archive_document(
    request: HttpRequest, meeting: Meeting, pk: int, form: ItemDocumentForm
) -> Any:
    """The archive document picked, read through the archive's selector (its scope and
    secrecy; a secret document's view is audited there). Errors go on the form."""
    from hoiso.documents import selectors as documents

    try:
        document = documents.document_get(request.user, pk)
    except (Http404, PermissionDenied):
        form.add_error("archive_document", _("This archive document is not yours to see."))
        return None
    if document.is_secret and not meeting.secret:
        form.add_error(
            "archive_document",
            _("A secret document may only be attached to a secret meeting."),
        )
        return None
    return document


# --- votes, conclusions, tasks ---------------------------------------------------------------


@login_required
@require_POST
def vote_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare a vote (the chair opens it in the live room)."""
    meeting = _managed(request, pk)
    numbered = _numbered(meeting)
    documents = [d for docs in selectors.meeting_documents(meeting).values() for d in docs]
    form = VoteForm(request.POST, prefix="vote", items=numbered, documents=documents)
    if form.is_valid():
        d = form.cleaned_data
        document = next((x for x in documents if x.pk == d.get("document")), None)
        try:
            services.vote_create(
                actor=request.user,
                meeting=meeting,
                question=d["question"],
                item=_item_of(meeting, d.get("item")),
                document=document,
                secret=d["secret"],
                results_visible=d["results_visible"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Vote prepared; the chair opens it in the live room."))
            return _back(meeting, "votes")
    return _detail(request, meeting, {"vote_form": form}, open_form="vote")


@login_required
@require_POST
def conclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    form = ConclusionForm(request.POST, prefix="conclusion", items=_numbered(meeting))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.conclusion_add(
                actor=request.user,
                meeting=meeting,
                text=d["text"],
                item=_item_of(meeting, d.get("item")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Conclusion recorded."))
            return _back(meeting, "conclusions")
    return _detail(request, meeting, {"conclusion_form": form}, open_form="conclusion")


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int, conclusion_id: int) -> HttpResponse:
    meeting = _managed(request, pk)
    conclusion = selectors.meeting_conclusions(meeting).filter(pk=conclusion_id).first()
    if conclusion is None:
        raise Http404
    form = TaskForm(request.POST, prefix="task", auto_id=f"id_task{conclusion.pk}_%s")
    if form.is_valid():
        d = form.cleaned_data
        owner = selectors.unit_pick(request.user, d["owner_unit"])
        if owner is None:
            form.add_error("owner_unit", _("No open unit in your scope has this code."))
        else:
            try:
                services.followup_add(
                    actor=request.user,
                    conclusion=conclusion,
                    owner_unit=owner,
                    title=d["title"],
                    deadline=d["deadline"],
                    remind_days_before=d["remind_days_before"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up task added."))
                return _back(meeting, "conclusions")
    return _detail(request, meeting, {"task_form": form}, open_form=f"task-{conclusion.pk}")


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Follow-up tasks owned by the user's units, overdue ones marked."""
    user = request.user
    form = TaskFilterForm(request.GET)
    flt: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = selectors.task_list(user, status=flt.get("status", ""), overdue=flt.get("overdue", False))
    tasks = list(qs[: TASK_LIMIT + 1])
    more = len(tasks) > TASK_LIMIT
    today = timezone.localdate()
    rows = [
        {
            "task": t,
            "overdue": t.deadline is not None
            and t.deadline < today
            and t.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS),
            "can_change": has_perm_at(user, selectors.CHANGE, t.owner_unit.path),
        }
        for t in tasks[:TASK_LIMIT]
    ]
    return render(
        request,
        "meetings/task_list.html",
        {
            "form": form,
            "rows": rows,
            "more": more,
            "limit": TASK_LIMIT,
            "statuses": TaskStatus.choices,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def task_status(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get(request.user, task_id)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        try:
            services.followup_set_status(
                actor=request.user, task=task, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Task status changed."))
    else:
        messages.error(request, _("Choose a status."))
    return _next_or(request, reverse("meetings:task_list"))


# --- minutes ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes: drafts edited by organisers, the chair and the secretary; final minutes
    read by anyone who sees the meeting."""
    meeting = selectors.meeting_get(request.user, pk)
    minutes = selectors.minutes_of(meeting)
    manage = selectors.can_manage(request.user, meeting)
    final = minutes is not None and minutes.state == MinutesState.FINAL
    if not manage and not final:
        raise PermissionDenied
    form = MinutesForm(request.POST or None, initial={"body": minutes.body if minutes else ""})
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                with transaction.atomic():
                    if minutes is None:
                        minutes = services.minutes_generate(actor=request.user, meeting=meeting)
                    services.minutes_update(
                        actor=request.user, minutes=minutes, body=form.cleaned_data["body"]
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Minutes saved."))
                return redirect("meetings:minutes_edit", pk=meeting.pk)
    me = selectors.participant_of(request.user, meeting)
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "form": form,
            "manage": manage,
            "final": final,
            "is_chair": me is not None and me.role == ParticipantRole.CHAIR,
            "closed": meeting.state == MeetingState.CLOSED,
            "exportable": minutes is not None and not meeting.secret,
        },
    )


@login_required
@require_POST
def minutes_generate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    run_service(
        request,
        lambda: services.minutes_generate(actor=request.user, meeting=meeting),
        _("The draft minutes were rebuilt from what happened."),
    )
    return redirect("meetings:minutes_edit", pk=meeting.pk)


@login_required
@require_POST
def minutes_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair finalises the minutes (403 for anyone else)."""
    meeting = selectors.meeting_get(request.user, pk)
    minutes = selectors.minutes_of(meeting)
    if minutes is None:
        raise Http404
    run_service(
        request,
        lambda: services.minutes_finalise(actor=request.user, minutes=minutes),
        _("The minutes are final."),
    )
    return redirect("meetings:minutes_edit", pk=meeting.pk)
