"""Card page, PDF card, A4 sheet of cards, issue and revoke, and the public verification page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hoiso.core.access import has_perm_at, require_perm_at
from hoiso.core.audit import audit
from hoiso.members import selectors, services
from hoiso.members.cards import selectors as card_selectors
from hoiso.members.cards.forms import RevokeForm
from hoiso.members.cards.pdf import MAX_SHEET_CARDS, card_faces, render_pdf
from hoiso.members.cards.tokens import Verdict, card_check
from hoiso.members.choices import CardStatus
from hoiso.members.models import Member

ISSUE_PERM = card_selectors.ISSUE_PERM


def _reason(verdict: Verdict) -> str:
    return {
        Verdict.VALID: "",
        Verdict.UNKNOWN: _("This code belongs to no card issued by the union; it may be altered."),
        Verdict.REVOKED: _("This card has been revoked."),
        Verdict.REPLACED: _("This card has been replaced by a newer card."),
        Verdict.INACTIVE: _("The holder is no longer an active member of the union."),
    }[verdict]


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # personal data
    return response


def _card_page(request: HttpRequest, member: Member, *, own: bool) -> HttpResponse:
    audit(actor=request.user, action="member.card_view", obj=member, unit=member.unit)
    issued = member.card_status == CardStatus.ISSUED
    face = card_faces([member])[0] if issued else None
    can_issue = member.is_current and has_perm_at(request.user, ISSUE_PERM, member.unit.path)
    context: dict[str, Any] = {
        "member": member,
        "face": face,
        "issued": issued,
        "own": own,
        "can_issue": can_issue,
        "revoke_form": RevokeForm(),
    }
    return render(request, "members/cards/card.html", context)


@login_required
@require_GET
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's card as cadres see it, with the issue, revoke and print actions."""
    return _card_page(request, selectors.member_get(request.user, pk), own=False)


@login_required
@require_GET
def my_card(request: HttpRequest) -> HttpResponse:
    """Self-service: the logged-in member's own card."""
    return _card_page(request, selectors.member_of_user(request.user), own=True)


@login_required
@require_GET
def card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The card as PDF: on an A4 sheet with cut marks, or at card size with ``?size=card``."""
    member = selectors.member_get(request.user, pk)
    if member.card_status != CardStatus.ISSUED:
        raise Http404
    card_size = request.GET.get("size") == "card"
    title = _("Member card: %(name)s") % {"name": member.full_name}
    pdf = render_pdf(card_faces([member]), card_size=card_size, title=title)
    audit(
        actor=request.user,
        action="member.card_pdf",
        obj=member,
        unit=member.unit,
        detail={"card": member.card_number, "size": "card" if card_size else "a4"},
    )
    return _pdf_response(pdf, f"the-hoi-vien-{member.card_number}.pdf")


@login_required
@require_POST
def card_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the card, or re-issue it (lost, damaged, revoked): earlier QR codes stop verifying."""
    member = selectors.member_get(request.user, pk)
    require_perm_at(request.user, ISSUE_PERM, member.unit.path)
    try:
        member = services.card_issue(actor=request.user, member=member)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Card %(number)s issued.") % {"number": member.card_number})
    return redirect("members:card", pk=member.pk)


@login_required
@require_POST
def card_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the card in force, with a reason: its QR code then reads as revoked."""
    member = selectors.member_get(request.user, pk)
    require_perm_at(request.user, ISSUE_PERM, member.unit.path)
    form = RevokeForm(request.POST)
    if member.card_status != CardStatus.ISSUED:
        messages.error(request, _("This member holds no card in force."))
    elif not form.is_valid():
        messages.error(request, _("Give the reason for revoking the card."))
    else:
        services.card_revoke(actor=request.user, member=member, reason=form.cleaned_data["reason"])
        messages.success(request, _("Card %(number)s revoked.") % {"number": member.card_number})
    return redirect("members:card", pk=member.pk)


@login_required
@require_GET
def card_batch_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Every card in force under a unit (a chapter, usually) on A4 sheets, ready to cut."""
    unit = card_selectors.sheet_unit_get(request.user, code)
    members = card_selectors.sheet_members(request.user, unit)
    count = members.count()
    if count == 0 or count > MAX_SHEET_CARDS:
        context = {
            "unit": unit,
            "count": count,
            "limit": MAX_SHEET_CARDS,
            "children": card_selectors.sheet_children(request.user, unit) if count else [],
        }
        return render(request, "members/cards/sheet.html", context)
    chosen = list(members)
    title = _("Member cards: %(unit)s") % {"unit": unit.name}
    pdf = render_pdf(card_faces(chosen), title=title)
    audit(
        actor=request.user,
        action="member.card_sheet_pdf",
        unit=unit,
        object_type="members.member",
        object_repr=ngettext("%(count)d member card", "%(count)d member cards", count)
        % {"count": count},
        detail={"count": count, "members": [m.pk for m in chosen][:500]},
    )
    return _pdf_response(pdf, f"the-hoi-vien-{slugify(unit.code)}.pdf")


@never_cache
@require_GET
def card_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: what the QR code opens. Name, unit, card number and the verdict; nothing more."""
    check = card_check(token)
    context: dict[str, Any] = {"check": check, "reason": _reason(check.verdict)}
    if check.member is not None:
        member = check.member
        context["unit_line"] = card_selectors.unit_lines([member.unit])[member.unit_id]
        audit(
            actor=request.user,
            action="member.card_verify",
            obj=member,
            unit=member.unit,
            detail={"verdict": str(check.verdict)},
        )
    status = 404 if check.verdict == Verdict.UNKNOWN else 200
    response = render(request, "members/cards/verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response
