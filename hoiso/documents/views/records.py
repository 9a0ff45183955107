"""Registers (incoming/outgoing, per unit and year, printable and exportable), files (hồ sơ)
with their index, the review-due list and disposal decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.core.access import has_perm_at, require_perm, require_perm_at
from hoiso.core.forms import add_service_errors
from hoiso.documents.forms import DisposalForm, DossierAddForm, DossierForm
from hoiso.documents.models import Dossier, DossierStatus, Register
from hoiso.documents.views.archive import units_for


def _register_params(request: HttpRequest) -> tuple[Any, str, int, bool]:
    """The unit (``?unit=CODE``, default: the user's first), register, year and series
    (``?secret=1``: the secret documents' own series) of the page."""
    from hoiso.org.selectors import unit_get

    require_perm(request.user, "documents.view_document")
    code = request.GET.get("unit", "")
    unit = (
        unit_get(request.user, code=code)
        if code
        else units_for(request.user, "documents.view_document").first()
    )
    if unit is None:
        raise Http404
    require_perm_at(request.user, "documents.view_document", unit.path)
    register = request.GET.get("register", Register.OUTGOING)
    if register not in Register.values:
        register = Register.OUTGOING
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else timezone.localdate().year
    return unit, register, year, request.GET.get("secret") == "1"


@login_required
def register_view(request: HttpRequest) -> HttpResponse:
    from hoiso.documents import registers

    unit, register, year, secret = _register_params(request)
    sheet = registers.register_sheet(request.user, unit, register, year, secret=secret)
    return render(
        request,
        "documents/register.html",
        {
            "unit": unit,
            "register": register,
            "register_label": Register(register).label,
            "year": year,
            "secret": secret,
            "sheet": sheet,
            "units": units_for(request.user, "documents.view_document"),
            "registers": Register.choices,
        },
    )


def _sheet_response(data: bytes, fmt: str, name: str) -> HttpResponse:
    if fmt == "pdf":
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def register_export(request: HttpRequest) -> HttpResponse:
    """``?format=xlsx`` (default) or ``?format=pdf`` of the register on the page (audited)."""
    from hoiso.documents import registers

    unit, register, year, secret = _register_params(request)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "xlsx"
    kind = "den" if register == Register.INCOMING else "di"
    name = f"so-van-ban-{kind}-{unit.code}-{year}{'-mat' if secret else ''}"
    data = registers.register_export(request.user, unit, register, year, fmt=fmt, secret=secret)
    return _sheet_response(data, fmt, name)


# --- files (hồ sơ) ----------------------------------------------------------------------------


def _dossiers(request: HttpRequest, action: str = "view") -> Any:
    return Dossier.objects.restrict(request.user, action).select_related("unit")


def _dossier(request: HttpRequest, pk: int, perm: str = "") -> Dossier:
    """One file: 403 without the permission anywhere, 404 outside the user's scope."""
    require_perm(request.user, "documents.view_dossier")
    if perm:
        require_perm(request.user, perm)  # 403 before 404: she may not do this anywhere
    dossier = _dossiers(request).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    if perm:
        require_perm_at(request.user, perm, dossier.unit.path)
    return dossier


@login_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "documents.view_dossier")
    qs = _dossiers(request)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    status = request.GET.get("status", "")
    if status in DossierStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "documents/dossier_list.html",
        {
            "dossiers": qs[:500],
            "year": year,
            "status": status,
            "statuses": DossierStatus.choices,
            "can_add": bool(units_for(request.user, "documents.add_dossier").exists()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request: HttpRequest) -> HttpResponse:
    from hoiso.documents.services.dossiers import dossier_create as create

    require_perm(request.user, "documents.add_dossier")
    units = units_for(request.user, "documents.add_dossier")
    form = DossierForm(
        request.POST or None, units=units, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        require_perm_at(request.user, "documents.add_dossier", unit.path)
        try:
            dossier = create(actor=request.user, unit=unit, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("File created."))
            return redirect("documents:dossier_detail", pk=dossier.pk)
    return render(request, "documents/dossier_form.html", {"form": form})


@login_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The file and its index (mục lục văn bản): the documents in order, secret ones only for
    their readers."""
    from hoiso.documents import selectors

    dossier = _dossier(request, pk)
    visible = (
        selectors.document_queryset(request.user)
        if hasattr(selectors, "document_queryset")
        else None
    )
    items = dossier.items.select_related("document", "document__doc_type").order_by(
        "position", "id"
    )
    if visible is not None:
        items = items.filter(document__in=visible)
    else:
        from hoiso.documents.models import Document

        items = items.filter(document__in=Document.objects.restrict(request.user, "view"))
    path = dossier.unit.path
    return render(
        request,
        "documents/dossier_detail.html",
        {
            "dossier": dossier,
            "items": items,
            "add_form": DossierAddForm(),
            "can_change": has_perm_at(request.user, "documents.change_dossier", path)
            and dossier.status == DossierStatus.OPEN,
        },
    )


@login_required
def dossier_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's index as ``?format=xlsx`` (default) or ``pdf`` (audited)."""
    from hoiso.documents import registers

    dossier = _dossier(request, pk)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "xlsx"
    data = registers.dossier_index_export(request.user, dossier, fmt=fmt)
    return _sheet_response(data, fmt, f"muc-luc-{dossier.code}-{dossier.year}")


@login_required
@require_POST
def dossier_add(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents import selectors
    from hoiso.documents.services.dossiers import dossier_add_documents

    dossier = _dossier(request, pk, "documents.change_dossier")
    form = DossierAddForm(request.POST)
    if form.is_valid():
        try:
            documents = [
                selectors.document_get(request.user, i) for i in form.cleaned_data["documents"]
            ]
            dossier_add_documents(actor=request.user, dossier=dossier, documents=documents)
        except Http404:
            messages.error(request, _("One of these document numbers does not exist for you."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Added to the file."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("documents:dossier_detail", pk=dossier.pk)


@login_required
@require_POST
def dossier_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    from hoiso.documents import selectors
    from hoiso.documents.services.dossiers import dossier_remove_document

    dossier = _dossier(request, pk, "documents.change_dossier")
    document = selectors.document_get(request.user, document_id)
    try:
        dossier_remove_document(actor=request.user, dossier=dossier, document=document)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Removed from the file."))
    return redirect("documents:dossier_detail", pk=dossier.pk)


@login_required
@require_POST
def dossier_close(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services.dossiers import dossier_close as close

    dossier = _dossier(request, pk, "documents.change_dossier")
    try:
        close(actor=request.user, dossier=dossier)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("File closed."))
    return redirect("documents:dossier_detail", pk=dossier.pk)


@login_required
def dossier_review(request: HttpRequest) -> HttpResponse:
    """Files whose retention has run out: to review, then keep or dispose of by a decision."""
    from hoiso.documents.services.dossiers import dossiers_due_for_review

    require_perm(request.user, "documents.view_dossier")
    due = dossiers_due_for_review(request.user, on=timezone.localdate())
    return render(
        request,
        "documents/dossier_review.html",
        {
            "due": due,
            "form": DisposalForm(
                units=units_for(request.user, "documents.dispose_dossier"),
                initial={"decided_on": timezone.localdate()},
            ),
            "can_dispose": has_perm_at_any(request.user, "documents.dispose_dossier"),
        },
    )


def has_perm_at_any(user: Any, perm: str) -> bool:
    from hoiso.core.access import has_perm

    return has_perm(user, perm)


@login_required
@require_POST
def disposal_create(request: HttpRequest) -> HttpResponse:
    """The disposal decision over the ticked files of the review list."""
    from hoiso.documents.services.dossiers import disposal_decide

    require_perm(request.user, "documents.dispose_dossier")
    form = DisposalForm(request.POST, units=units_for(request.user, "documents.dispose_dossier"))
    ids = [int(x) for x in request.POST.getlist("dossier") if x.isdigit()]
    dossiers = list(_dossiers(request).filter(pk__in=ids))
    if not dossiers:
        messages.error(request, _("Tick the files this decision disposes of."))
    elif not form.is_valid():
        messages.error(
            request,
            _("The decision needs its number, date and reason: %(errors)s")
            % {"errors": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    else:
        try:
            disposal_decide(actor=request.user, dossiers=dossiers, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Disposal decision recorded."))
    return redirect("documents:dossier_review")
