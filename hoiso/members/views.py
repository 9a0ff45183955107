"""Member list, profile, forms, transfers, dues, digital participation, self-service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.core.access import has_perm, has_perm_at, require_perm, require_perm_at
from hoiso.core.forms import add_service_errors
from hoiso.members import selectors, services
from hoiso.members.choices import INDICATORS, SENSITIVE_FIELDS
from hoiso.members.forms import (
    ConsentForm,
    DecideForm,
    DuesForm,
    IndicatorsForm,
    LoginForMemberForm,
    MemberForm,
    PositionForm,
    SelfServiceForm,
    StatusForm,
    TransferForm,
    initial_from,
    tri_value,
)
from hoiso.members.models import Member
from hoiso.org.selectors import unit_get, unit_list

SENSITIVE = selectors.SENSITIVE_PERM


def _can_see_sensitive(user: Any, member: Member) -> bool:
    return has_perm_at(user, SENSITIVE, member.unit.path)


def _form_units(user: Any, perm: str) -> Any:
    """Units the user may put members in: communes, chapters and groups in her scope."""
    from hoiso.core.access import scope_paths
    from hoiso.core.tree import subtree_q

    qs = unit_list(user).filter(level__rank__gte=2).order_by("path")
    if user.is_superuser:
        return qs
    paths = scope_paths(user, perm)
    if not paths:
        return qs.none()
    q = subtree_q(paths[0])
    for p in paths[1:]:
        q |= subtree_q(p)
    return qs.filter(q)


def _filter_units(user: Any) -> list[Any]:
    """The unit filter's choices: the user's own units and the units right under them (a
    province's communes, a commune's chapters); deeper units are reached from the tree."""
    from hoiso.org.selectors import unit_children, unit_roots

    roots = unit_roots(user)
    options: list[Any] = []
    for root in roots:
        options.append(root)
        options.extend(unit_children(root))
    return options


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    from hoiso.members.stats.filters import filter_from_query

    flt = filter_from_query(request.user, request.GET)
    backwards = "before" in request.GET
    cursor = request.GET.get("before") or request.GET.get("after")
    page = selectors.member_page(request.user, flt, cursor=cursor, backwards=backwards)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    units = _filter_units(request.user)
    return render(
        request,
        "members/member_list.html",
        {
            "page": page,
            "flt": flt,
            "query": query.urlencode(),
            "units": units,
            "indicators": INDICATORS,
            "can_add": has_perm(request.user, "members.add_member"),
            "can_export": has_perm(request.user, "members.export_member"),
            "can_import": has_perm(request.user, "members.import_member"),
            "can_sensitive": has_perm(request.user, SENSITIVE),
            "sensitive_fields": SENSITIVE_FIELDS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "members.add_member")
    units = _form_units(request.user, "members.add_member")
    initial: dict[str, Any] = {}
    if request.GET.get("unit"):
        chosen = units.filter(code=request.GET["unit"]).first()
        if chosen is not None:
            initial["unit"] = chosen.pk
    sensitive = has_perm(request.user, SENSITIVE)
    form = MemberForm(request.POST or None, units=units, sensitive=sensitive, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        require_perm_at(request.user, "members.add_member", unit.path)
        form.with_sensitive = sensitive and has_perm_at(request.user, SENSITIVE, unit.path)
        try:
            member = services.member_create(actor=request.user, data=form.to_input(), unit=unit)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("Member %(name)s was registered.") % {"name": member.full_name}
            )
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": None})


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    sensitive = _can_see_sensitive(request.user, member)
    services.member_record_view(actor=request.user, member=member, sensitive=sensitive)
    path = member.unit.path
    can_change = has_perm_at(request.user, "members.change_member", path)
    indicators = [(label, getattr(member, name)) for name, label in INDICATORS.items()]
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "sensitive": services.sensitive_values(member) if sensitive else None,
            "sensitive_labels": SENSITIVE_FIELDS,
            "indicators": indicators,
            "history": selectors.member_history(member, sensitive=sensitive),
            "transfers": member.transfers.select_related("from_unit", "to_unit").all(),
            "dues": member.dues.all()[:10],
            "consents": member.consents.all(),
            "requests": member.change_requests.all()[:10],
            "positions": member.positions.select_related("unit").all(),
            "can_change": can_change,
            "can_transfer": has_perm_at(request.user, "members.transfer_member", path),
            "can_card": has_perm_at(request.user, "members.issue_card", path),
            "status_form": StatusForm(initial={"date": timezone.localdate()}),
            "consent_form": ConsentForm(),
            "indicators_form": IndicatorsForm(
                initial={name: tri_value(getattr(member, name)) for name in INDICATORS}
            ),
            "login_form": LoginForMemberForm() if can_change and not member.user_id else None,
            "position_form": PositionForm(initial={"start": timezone.localdate()}),
        },
    )


def _changeable(request: HttpRequest, pk: int) -> Member:
    member = selectors.member_get(request.user, pk)
    require_perm_at(request.user, "members.change_member", member.unit.path)
    return member


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable(request, pk)
    sensitive = _can_see_sensitive(request.user, member)
    current = services.input_from(member, with_sensitive=sensitive)
    units = _form_units(request.user, "members.change_member")
    form = MemberForm(
        request.POST or None,
        units=units,
        sensitive=sensitive,
        id_hint=member.id_number_hint,
        initial=initial_from(current, member.unit, current.sensitive),
    )
    if request.method == "POST" and form.is_valid():
        data = form.to_input(keep_id=current.id_number)
        new_unit = form.cleaned_data["unit"]
        try:
            if new_unit.pk != member.unit_id:
                raise ValidationError(
                    {"unit": _("To move a member to another unit, use a transfer.")}
                )
            services.member_update(actor=request.user, member=member, data=data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": member})


@login_required
@require_POST
def member_status(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.member_set_status(
                actor=request.user,
                member=member,
                status=d["status"],
                date=d["date"],
                reason=d["reason"],
            )
            messages.success(request, _("Status changed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a status and a date."))
    return redirect("members:member_detail", pk=member.pk)


@login_required
@require_POST
def member_indicators(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable(request, pk)
    form = IndicatorsForm(request.POST)
    if form.is_valid():
        services.indicators_update(actor=request.user, members=[member], values=form.values())
        messages.success(request, _("Digital participation saved."))
    return redirect("members:member_detail", pk=member.pk)


@login_required
@require_POST
def member_consent(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable(request, pk)
    withdraw = request.POST.get("withdraw")
    if withdraw:
        consent = member.consents.filter(pk=withdraw).first()
        if consent is not None:
            services.consent_withdraw(actor=request.user, consent=consent)
            messages.success(request, _("Consent withdrawn."))
        return redirect("members:member_detail", pk=member.pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            actor=request.user,
            member=member,
            purpose=form.cleaned_data["purpose"],
            channel=form.cleaned_data["channel"],
        )
        messages.success(request, _("Consent recorded."))
    return redirect("members:member_detail", pk=member.pk)


@login_required
@require_POST
def member_enable_login(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable(request, pk)
    form = LoginForMemberForm(request.POST)
    if form.is_valid():
        try:
            services.member_enable_login(
                actor=request.user, member=member, password=form.cleaned_data["password"]
            )
            messages.success(
                request,
                _("She can now log in with her phone number %(phone)s.") % {"phone": member.phone},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("members:member_detail", pk=member.pk)


@login_required
@require_POST
def member_position(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a position (its unit is the member's), or end one with ``end_position``."""
    member = _changeable(request, pk)
    form = PositionForm(request.POST)
    try:
        if request.POST.get("end_position"):
            position = member.positions.filter(pk=request.POST["end_position"]).first()
            if position is not None:
                services.position_end(
                    actor=request.user, position=position, end=timezone.localdate()
                )
        elif form.is_valid():
            d = form.cleaned_data
            services.position_add(
                actor=request.user,
                member=member,
                title=d["title"],
                unit=member.unit,
                start=d["start"],
                end=d["end"],
            )
        else:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
            return redirect("members:member_detail", pk=member.pk)
        messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:member_detail", pk=member.pk)


# --- transfers --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    require_perm_at(request.user, "members.transfer_member", member.unit.path)
    form = TransferForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = selectors.unit_for_transfer(request.user, d["to_unit"])
        if target is None:
            form.add_error("to_unit", _("No active unit has this code. Pick one from the list."))
        else:
            try:
                services.transfer_send(
                    actor=request.user,
                    member=member,
                    to_unit=target,
                    reason=d["reason"],
                    date=d["date"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Sent to %(unit)s; she moves when that unit accepts.")
                    % {"unit": target.name},
                )
                return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/transfer_form.html", {"member": member, "form": form})


@login_required
def unit_options(request: HttpRequest) -> HttpResponse:
    """Datalist options for the transfer form (htmx)."""
    units = selectors.unit_lookup(request.user, request.GET.get("to_unit", ""))
    return render(request, "members/_unit_options.html", {"units": units})


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = selectors.transfer_list(request.user, pending_only=request.GET.get("all") != "1")[
        :200
    ]
    rows = [
        {
            "t": t,
            "incoming": has_perm_at(request.user, "members.transfer_member", t.to_unit.path),
        }
        for t in transfers
    ]
    return render(request, "members/transfer_list.html", {"rows": rows, "decide": DecideForm()})


@login_required
@require_POST
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(request.user, pk)
    # Only the receiving side decides.
    require_perm_at(request.user, "members.transfer_member", transfer.to_unit.path)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_decide(
                actor=request.user,
                transfer=transfer,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("members:transfer_list")


def _unit_roster(request: HttpRequest, perm: str) -> tuple[Any, list[Member]]:
    """The unit named by ``?unit=`` (or the form) and its current members, for pages that act
    on many members at once; the user needs ``perm`` at that unit."""
    require_perm(request.user, perm)
    code = request.GET.get("unit") or request.POST.get("unit") or ""
    if not code:
        return None, []
    unit = unit_get(request.user, code=code)
    require_perm_at(request.user, perm, unit.path)
    flt = selectors.MemberFilter(unit=unit, status=["active", "away"])
    members = list(
        selectors.member_queryset(request.user, flt)
        .select_related("unit")
        .order_by("name_sort")[:1000]
    )
    return unit, members


def _ticked(request: HttpRequest, members: list[Member]) -> list[Member]:
    chosen = {int(x) for x in request.POST.getlist("member") if x.isdigit()}
    return [m for m in members if m.pk in chosen]


# --- dues --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dues(request: HttpRequest) -> HttpResponse:
    """A chapter's dues for a year: tick who paid, record them all at once."""
    unit, members = _unit_roster(request, "members.record_dues")
    year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    form = DuesForm(request.POST or None, initial={"year": year, "paid_on": timezone.localdate()})
    paid: set[int] = set()
    if unit is not None:
        paid = selectors.dues_paid_ids(members, year)
        if request.method == "POST" and form.is_valid():
            picked = _ticked(request, members)
            if not picked:
                form.add_error(None, _("Tick the members who paid."))
            else:
                try:
                    count = services.dues_record(
                        actor=request.user,
                        members=picked,
                        year=form.cleaned_data["year"],
                        paid_on=form.cleaned_data["paid_on"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Recorded dues of %(n)d member.",
                            "Recorded dues of %(n)d members.",
                            count,
                        )
                        % {"n": count},
                    )
                    return redirect(f"{request.path}?unit={unit.code}&year={year}")
    units = _form_units(request.user, "members.record_dues")[:500]
    rate = None
    try:
        rate = services.dues_amount(year)
    except ValidationError:
        rate = None
    return render(
        request,
        "members/dues.html",
        {
            "unit": unit,
            "units": units,
            "year": year,
            "form": form,
            "members": members,
            "paid": paid,
            "rate": rate,
            "paid_count": len(paid),
            "total": len(members),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def digital_bulk(request: HttpRequest) -> HttpResponse:
    """A chapter's digital-participation answers: tick members, set the answers for all of them."""
    unit, members = _unit_roster(request, "members.change_member")
    form = IndicatorsForm(request.POST or None, keep=True)
    if unit is not None and request.method == "POST" and form.is_valid():
        picked = _ticked(request, members)
        values = {k: v for k, v in form.values().items() if request.POST.get(k) != "keep"}
        if not picked:
            messages.error(request, _("Tick the members the answers are for."))
        else:
            services.indicators_update(actor=request.user, members=picked, values=values)
            messages.success(
                request,
                ngettext("Saved for %(n)d member.", "Saved for %(n)d members.", len(picked))
                % {"n": len(picked)},
            )
            return redirect(f"{request.path}?unit={unit.code}")
    return render(
        request,
        "members/digital_bulk.html",
        {
            "unit": unit,
            "units": _form_units(request.user, "members.change_member")[:500],
            "members": members,
            "form": form,
            "indicators": INDICATORS,
        },
    )


# --- change requests and self-service --------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    requests = selectors.change_request_list(request.user)[:200]
    return render(request, "members/request_list.html", {"requests": requests})


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_request_get(request.user, pk)
    try:
        services.change_request_decide(
            actor=request.user, request=change, accept=request.POST.get("decision") == "accept"
        )
        messages.success(request, _("Decision recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:request_list")


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    """Self-service: a member sees her profile and card, corrects contact details and answers."""
    member = selectors.member_of_user(request.user)
    form = SelfServiceForm(
        request.POST if request.POST.get("form") == "contact" else None,
        initial={
            "phone": member.phone,
            "zalo": member.zalo,
            "email": member.email,
            "residence_detail": member.residence_detail,
        },
    )
    indicators = IndicatorsForm(
        request.POST if request.POST.get("form") == "digital" else None,
        initial={name: tri_value(getattr(member, name)) for name in INDICATORS},
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "contact" and form.is_valid():
                d = form.cleaned_data
                contact = {k: d[k] or "" for k in ("phone", "zalo", "email", "residence_detail")}
                requested = {"text": d["request"]} if d["request"].strip() else {}
                services.self_update(
                    actor=request.user, member=member, contact=contact, requested=requested
                )
                messages.success(
                    request,
                    _("Thank you: your details are saved.")
                    + (" " + _("Your request went to your chapter.") if requested else ""),
                )
                return redirect("members:my_profile")
            if request.POST.get("form") == "digital" and indicators.is_valid():
                services.indicators_update(
                    actor=request.user, members=[member], values=indicators.values(), by_self=True
                )
                messages.success(request, _("Thank you: your answers are saved."))
                return redirect("members:my_profile")
        except ValidationError as exc:
            add_service_errors(form, exc)
    services.member_record_view(actor=request.user, member=member, sensitive=False)
    return render(
        request,
        "members/my_profile.html",
        {"member": member, "form": form, "indicators": indicators},
    )
