"""Every write to the member registry. One transaction each: the change, its history, its audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core import crypto
from hoiso.core.audit import audit
from hoiso.core.vietnamese import fold, name_sort_string, nfc, normalize_phone, title_name
from hoiso.members import rules
from hoiso.members.choices import (
    CURRENT_STATUSES,
    INDICATORS,
    SENSITIVE_FIELDS,
    CardStatus,
    MemberType,
    Sex,
    Status,
)
from hoiso.members.models import (
    ChangeRequest,
    Consent,
    DuesPayment,
    DuesRate,
    Member,
    Transfer,
    TransferState,
)
from hoiso.org.models import Unit
from hoiso.org.restructure import Holding

PLAIN_FIELDS = (
    "zalo", "email", "residence_province", "residence_commune", "residence_hamlet",
    "residence_detail", "former_address", "occupation", "education", "political_theory",
    "marital_status", "youth_union",
)  # fmt: skip
# Choice values as sets: ``TextChoices.values`` builds a new list on every call.
_SEXES = frozenset(Sex.values)
_MEMBER_TYPES = frozenset(MemberType.values)
# What a member may change on her own profile without the chapter's approval.
SELF_SERVICE_FIELDS = ("phone", "zalo", "email", "residence_detail")


@dataclass
class MemberInput:
    """A profile as typed in a form, sent to the API or read from a roster row."""

    full_name: str
    birth_date: dt.date | None = None
    birth_year: int | None = None
    sex: str = Sex.FEMALE
    id_number: str = ""
    phone: str = ""
    zalo: str = ""
    email: str = ""
    residence_province: str = ""
    residence_commune: str = ""
    residence_hamlet: str = ""
    residence_detail: str = ""
    former_address: str = ""
    occupation: str = ""
    education: str = ""
    political_theory: str = ""
    marital_status: str = ""
    youth_union: bool | None = None
    member_type: str = MemberType.REGULAR
    join_date: dt.date | None = None
    # Sensitive values by field name; a field absent here is left as it is.
    sensitive: dict[str, str | None] = field(default_factory=dict)
    indicators: dict[str, bool | None] = field(default_factory=dict)


@dataclass
class Clean:
    """A validated profile, ready to be written."""

    data: MemberInput
    full_name: str
    phone: str
    id_number: str
    birth_date: dt.date | None
    birth_year: int


def clean_member(data: MemberInput, *, today: dt.date | None = None) -> Clean:
    """Check a profile; every problem is reported at once, keyed by field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def fail(name: str, exc: ValidationError | ValueError) -> None:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        errors.setdefault(name, []).extend(messages)

    full_name = title_name(data.full_name or "")
    if not full_name:
        errors["full_name"] = [_("The full name is required.")]
    birth_date, birth_year = data.birth_date, data.birth_year
    try:
        birth_date, birth_year = rules.check_birth(
            birth_date=data.birth_date, birth_year=data.birth_year, today=today
        )
    except ValidationError as exc:
        fail("birth_date", exc)
    phone = ""
    try:
        phone = normalize_phone(data.phone) or ""
    except ValueError as exc:
        fail("phone", exc)
    id_number = ""
    try:
        id_number = rules.normalize_id_number(data.id_number)
        id_number = rules.check_id_number(
            id_number, birth_year=birth_year if "birth_date" not in errors else None, sex=data.sex
        )
    except ValidationError as exc:
        fail("id_number", exc)
    if data.sex not in _SEXES:
        errors["sex"] = [_("Unknown sex.")]
    if data.member_type not in _MEMBER_TYPES:
        errors["member_type"] = [_("Unknown membership type.")]
    else:
        age = None
        if birth_year is not None and "birth_date" not in errors:
            age = rules.age_on(
                data.join_date or today, birth_date=birth_date, birth_year=birth_year
            )
        try:
            rules.check_member_type(member_type=data.member_type, sex=data.sex, age=age)
        except ValidationError as exc:
            fail("member_type" if exc.code == "age" else "sex", exc)
    if data.join_date and data.join_date > today:
        errors["join_date"] = [_("The date of joining is in the future.")]
    for name in data.sensitive:
        if name not in SENSITIVE_FIELDS:
            errors[name] = [_("Unknown field.")]
    for name in data.indicators:
        if name not in INDICATORS:
            errors[name] = [_("Unknown field.")]
    if errors:
        raise ValidationError(errors)
    assert birth_year is not None
    return Clean(data, full_name, phone, id_number, birth_date, birth_year)


def _duplicate(clean: Clean, *, exclude_pk: int | None) -> Member | None:
    """A current member who is the same person (same ID number)."""
    if not clean.id_number:
        return None
    qs = Member.objects.filter(
        id_number_idx=crypto.blind_index(clean.id_number, field="id_number"),
        status__in=CURRENT_STATUSES,
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("unit").first()


def duplicate_error(other: Member) -> ValidationError:
    return ValidationError(
        {
            "id_number": _(
                "This person is already an active member: %(name)s, %(unit)s (member no. %(pk)d)."
            )
            % {"name": other.full_name, "unit": other.unit.name, "pk": other.pk}
        },
        code="duplicate",
    )


def apply_input(member: Member, clean: Clean) -> None:
    """Copy a validated profile onto a member (encrypting what must be); no save."""
    data = clean.data
    member.full_name = clean.full_name
    member.name_folded = fold(clean.full_name)
    member.name_sort = name_sort_string(clean.full_name)
    member.birth_date, member.birth_year = clean.birth_date, clean.birth_year
    member.sex = data.sex
    member.phone = clean.phone
    member.member_type = data.member_type
    member.join_date = data.join_date
    member.join_year = data.join_date.year if data.join_date else None
    for name in PLAIN_FIELDS:
        value = getattr(data, name)
        setattr(member, name, nfc(value) if value and isinstance(value, str) else value)
    member.id_number_enc = crypto.encrypt(clean.id_number, field="id_number")
    member.id_number_idx = crypto.blind_index(clean.id_number, field="id_number")
    member.id_number_hint = rules.mask_id_number(clean.id_number)
    for name, value in data.sensitive.items():
        value = nfc(value) if value else ""
        setattr(member, f"{name}_enc", crypto.encrypt(value, field=name))
        setattr(member, f"{name}_idx", crypto.blind_index(fold(value), field=name))
    if data.indicators:
        for name, flag in data.indicators.items():
            setattr(member, name, flag)
        member.indicators_updated_at = timezone.now()


def sensitive_values(member: Member) -> dict[str, str | None]:
    """Decrypted sensitive values; callers check the permission and audit the read."""
    return {
        name: crypto.decrypt(getattr(member, f"{name}_enc"), field=name)
        for name in SENSITIVE_FIELDS
    }


def id_number_of(member: Member) -> str:
    return crypto.decrypt(member.id_number_enc, field="id_number") or ""


def sensitive_index(name: str, value: str) -> str:
    """The keyed hash to filter on a sensitive value (e.g. ethnicity "Tày")."""
    return crypto.blind_index(fold(nfc(value)), field=name)


def _check_unit(unit: Unit) -> None:
    if unit.valid_to is not None:
        raise ValidationError({"unit": _("Unit %(u)s is closed.") % {"u": unit.name}})


@transaction.atomic
def member_create(
    *,
    actor: Any,
    data: MemberInput,
    unit: Unit,
    source: str = "cadre",
    today: dt.date | None = None,
) -> Member:
    """Register a member in ``unit`` (a commune, chapter or group)."""
    _check_unit(unit)
    clean = clean_member(data, today=today)
    other = _duplicate(clean, exclude_pk=None)
    if other is not None:
        raise duplicate_error(other)
    member = Member(unit=unit, status=Status.ACTIVE, status_date=data.join_date, source=source)
    apply_input(member, clean)
    member._change_reason = _("registered")  # type: ignore[attr-defined]
    member.save()
    audit(actor=actor, action="member.create", obj=member, unit=unit)
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, data: MemberInput) -> Member:
    """Replace the profile with ``data`` (every field; sensitive ones only if given)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    clean = clean_member(data)
    if member.is_current:
        other = _duplicate(clean, exclude_pk=member.pk)
        if other is not None:
            raise duplicate_error(other)
    before = {f: getattr(member, f) for f in ("full_name", "phone", "member_type", "join_date")}
    apply_input(member, clean)
    member._change_reason = _("profile edited")  # type: ignore[attr-defined]
    member.save()
    changed = sorted(k for k, v in before.items() if getattr(member, k) != v)
    audit(
        actor=actor,
        action="member.update",
        obj=member,
        unit=member.unit,
        detail={"fields": changed, "sensitive": sorted(data.sensitive)},
    )
    return member


def input_from(member: Member, *, with_sensitive: bool = False) -> MemberInput:
    """The member's current profile as an input (the edit form's initial data)."""
    data = MemberInput(
        full_name=member.full_name,
        birth_date=member.birth_date,
        birth_year=member.birth_year,
        sex=member.sex,
        id_number=id_number_of(member),
        phone=member.phone,
        member_type=member.member_type,
        join_date=member.join_date,
        **{name: getattr(member, name) for name in PLAIN_FIELDS},
    )
    if with_sensitive:
        data.sensitive = sensitive_values(member)
    return data


@transaction.atomic
def member_set_status(
    *, actor: Any, member: Member, status: str, date: dt.date, reason: str = ""
) -> Member:
    """Mark a member away, left or deceased (or active again), with the date and reason."""
    if status not in Status.values or status == Status.TRANSFERRED:
        raise ValidationError({"status": _("Use a transfer to move a member to another unit.")})
    member = Member.objects.select_for_update().get(pk=member.pk)
    if status in CURRENT_STATUSES and not member.is_current and member.id_number_idx:
        other = (
            Member.objects.filter(id_number_idx=member.id_number_idx, status__in=CURRENT_STATUSES)
            .exclude(pk=member.pk)
            .select_related("unit")
            .first()
        )
        if other is not None:
            raise duplicate_error(other)
    before = member.status
    member.status, member.status_date, member.status_reason = status, date, reason.strip()
    member._change_reason = _("status changed")  # type: ignore[attr-defined]
    member.save()
    audit(
        actor=actor,
        action="member.status",
        obj=member,
        unit=member.unit,
        detail={"from": before, "to": status, "reason": reason},
    )
    return member


# --- transfers --------------------------------------------------------------------------------


@transaction.atomic
def transfer_send(
    *, actor: Any, member: Member, to_unit: Unit, reason: str, date: dt.date
) -> Transfer:
    """Send a member to another unit; she stays counted here until the receiver accepts."""
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    _check_unit(to_unit)
    if not member.is_current:
        raise ValidationError(_("Only an active member can be transferred."))
    if to_unit.pk == member.unit_id:
        raise ValidationError({"to_unit": _("The member is already in this unit.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason (e.g. marriage, moving house).")})
    if Transfer.objects.filter(member=member, state=TransferState.PENDING).exists():
        raise ValidationError(_("A transfer of this member is already waiting."))
    transfer = Transfer.objects.create(
        member=member,
        from_unit=member.unit,
        to_unit=to_unit,
        reason=reason.strip(),
        date=date,
        sent_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit(
        actor=actor,
        action="member.transfer_send",
        obj=member,
        unit=member.unit,
        detail={"to": to_unit.code, "transfer": transfer.pk},
    )
    return transfer


@transaction.atomic
def transfer_decide(*, actor: Any, transfer: Transfer, accept: bool, note: str = "") -> Transfer:
    """The receiving unit accepts (the member moves) or refuses (she stays)."""
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "to_unit")
        .get(pk=transfer.pk)
    )
    if transfer.state != TransferState.PENDING:
        raise ValidationError(_("This transfer was already decided."))
    transfer.state = TransferState.ACCEPTED if accept else TransferState.REFUSED
    transfer.decided_by = actor if actor is not None and actor.is_authenticated else None
    transfer.decided_at = timezone.now()
    transfer.note = note.strip()
    transfer.save()
    member = transfer.member
    if accept:
        member.unit = transfer.to_unit
        member._change_reason = _("transferred from %(unit)s") % {"unit": transfer.from_unit.name}  # type: ignore[attr-defined]
        member.save(update_fields=["unit", "updated_at"])
    audit(
        actor=actor,
        action="member.transfer_accept" if accept else "member.transfer_refuse",
        obj=member,
        unit=transfer.to_unit,
        detail={"transfer": transfer.pk, "note": note},
    )
    return transfer


def members_follow_restructure(
    *, unit_map: dict[int, int], actor: Any, effective_date: dt.date
) -> list[Holding]:
    """Mover: members attached directly to a closed unit move to its successor."""
    moved = 0
    for old, new in unit_map.items():
        moved += Member.objects.filter(unit_id=old).update(unit_id=new)
    return [Holding(key="members", label=_("members"), count=moved)]


# --- dues --------------------------------------------------------------------------------------


def dues_amount(year: int) -> int:
    """The yearly amount in force on 1 January of ``year`` (configuration, not code)."""
    rate = DuesRate.objects.filter(effective_from__lte=dt.date(year, 12, 31)).first()
    if rate is None:
        raise ValidationError(_("No dues rate is configured for %(year)d.") % {"year": year})
    return rate.amount


@transaction.atomic
def dues_record(
    *, actor: Any, members: Sequence[Member], year: int, paid_on: dt.date, amount: int | None = None
) -> int:
    """Record the year's dues for one member or a whole chapter at once; returns how many new."""
    amount = amount if amount is not None else dues_amount(year)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    if paid_on.year < year - 1 or paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The payment date does not fit the year.")})
    already = set(
        DuesPayment.objects.filter(member__in=members, year=year).values_list(
            "member_id", flat=True
        )
    )
    rows = [
        DuesPayment(
            member=m,
            year=year,
            amount=amount,
            paid_on=paid_on,
            unit_id=m.unit_id,
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        for m in members
        if m.pk not in already
    ]
    DuesPayment.objects.bulk_create(rows)
    units = {m.unit_id for m in members}
    audit(
        actor=actor,
        action="member.dues",
        unit=members[0].unit if len(units) == 1 and members else None,
        object_type="members.member",
        object_repr=_("%(n)d members") % {"n": len(rows)},
        detail={"year": year, "amount": amount, "members": [r.member_id for r in rows][:500]},
    )
    return len(rows)


# --- cards -------------------------------------------------------------------------------------


def _commune_of(unit: Unit) -> Unit:
    from hoiso.org.models import Unit as U

    ancestors = {
        u.level.code: u
        for u in U.objects.ancestors_of(unit, include_self=True).select_related("level")
    }
    return ancestors.get("xa") or unit


@transaction.atomic
def card_issue(*, actor: Any, member: Member, on: dt.date | None = None) -> Member:
    """Give a member her card number (province-commune-serial) and a fresh verification token."""
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    if not member.is_current:
        raise ValidationError(_("Only an active member can hold a card."))
    commune = _commune_of(member.unit)
    # Serials are per commune: lock the commune so two cadres cannot take the same number.
    Unit.objects.select_for_update().filter(pk=commune.pk).first()
    province = commune.parent.code if commune.parent else commune.code
    prefix = f"{province}-{commune.code.rsplit('-', 1)[-1]}-"
    if not member.card_number:
        last = Member.objects.filter(card_number__startswith=prefix).aggregate(
            m=Max("card_number")
        )["m"]
        serial = int(last.rsplit("-", 1)[-1]) + 1 if last else 1
        member.card_number = f"{prefix}{serial:06d}"
    member.card_status = CardStatus.ISSUED
    member.card_issued_on = on or timezone.localdate()
    member.card_version += 1
    member._change_reason = _("card issued")  # type: ignore[attr-defined]
    member.save()
    audit(
        actor=actor,
        action="member.card_issue",
        obj=member,
        unit=member.unit,
        detail={"card": member.card_number},
    )
    return member


@transaction.atomic
def card_revoke(*, actor: Any, member: Member, reason: str) -> Member:
    """Revoke the card: its QR code stops verifying."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    member.card_status = CardStatus.REVOKED
    member.card_version += 1
    member._change_reason = _("card revoked")  # type: ignore[attr-defined]
    member.save()
    audit(
        actor=actor,
        action="member.card_revoke",
        obj=member,
        unit=member.unit,
        detail={"reason": reason},
    )
    return member


# --- digital participation, consent, self-service -------------------------------------


@transaction.atomic
def indicators_update(
    *, actor: Any, members: Sequence[Member], values: dict[str, bool | None], by_self: bool = False
) -> int:
    """Set digital-participation answers for one member or many at once."""
    unknown = set(values) - set(INDICATORS)
    if unknown:
        raise ValidationError(
            _("Unknown indicator: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    now = timezone.now()
    for m in members:
        for name, flag in values.items():
            setattr(m, name, flag)
        m.indicators_updated_at = now
        if by_self:
            m.self_updated_at = now
    Member.objects.bulk_update(
        list(members), [*values, "indicators_updated_at", "self_updated_at"], batch_size=1000
    )
    Member.history.bulk_history_create(
        list(members),
        update=True,
        default_change_reason=_("digital participation"),
        default_user=actor if actor is not None and actor.is_authenticated else None,
    )
    audit(
        actor=actor,
        action="member.indicators",
        object_type="members.member",
        object_repr=_("%(n)d members") % {"n": len(members)},
        detail={"values": values, "members": [m.pk for m in members][:500]},
    )
    return len(members)


@transaction.atomic
def consent_record(
    *, actor: Any, member: Member, purpose: str, channel: str, given_at: dt.datetime | None = None
) -> Consent:
    consent = Consent.objects.create(
        member=member,
        purpose=purpose,
        channel=channel,
        given_at=given_at or timezone.now(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit(
        actor=actor,
        action="member.consent",
        obj=member,
        unit=member.unit,
        detail={"purpose": purpose, "channel": channel},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent) -> Consent:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit(
            actor=actor,
            action="member.consent_withdraw",
            obj=consent.member,
            unit=consent.member.unit,
            detail={"purpose": consent.purpose},
        )
    return consent


@transaction.atomic
def self_update(
    *,
    actor: Any,
    member: Member,
    contact: dict[str, str],
    requested: dict[str, str],
    note: str = "",
) -> ChangeRequest | None:
    """A member corrects her contact details; other changes go to the chapter as a request."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    data = input_from(member)
    for name, value in contact.items():
        if name not in SELF_SERVICE_FIELDS:
            raise ValidationError({name: _("This field is changed through a request.")})
        setattr(data, name, value)
    clean = clean_member(data)
    apply_input(member, clean)
    member.self_updated_at = timezone.now()
    member._change_reason = _("updated by the member")  # type: ignore[attr-defined]
    member.save()
    audit(
        actor=actor,
        action="member.self_update",
        obj=member,
        unit=member.unit,
        detail={"fields": sorted(contact)},
    )
    if not requested:
        return None
    request = ChangeRequest.objects.create(member=member, changes=requested, note=note.strip())
    audit(
        actor=actor,
        action="member.change_request",
        obj=member,
        unit=member.unit,
        detail={"fields": sorted(requested)},
    )
    return request


def replace(data: MemberInput, **changes: Any) -> MemberInput:
    return dataclasses.replace(data, **changes)


@transaction.atomic
def member_enable_login(*, actor: Any, member: Member, password: str) -> Any:
    """Give a member a login (her phone number) with the self-only member role at her unit."""
    from hoiso.accounts.models import Role
    from hoiso.accounts.services import role_assign, user_create

    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if member.user_id:
        raise ValidationError(_("This member can already log in."))
    if not member.phone:
        raise ValidationError({"phone": _("Record her phone number first: she logs in with it.")})
    user = user_create(
        actor=actor,
        username=f"hv{member.pk}",
        password=password,
        full_name=member.full_name,
        phone=member.phone,
    )
    role_assign(actor=actor, user=user, role=Role.objects.get(code="member"), unit=member.unit)
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit(actor=actor, action="member.enable_login", obj=member, unit=member.unit)
    return user


@transaction.atomic
def change_request_decide(*, actor: Any, request: ChangeRequest, accept: bool) -> ChangeRequest:
    """The chapter closes a member's request (changes themselves are made in the profile form)."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != TransferState.PENDING:
        raise ValidationError(_("This request was already decided."))
    request.state = TransferState.ACCEPTED if accept else TransferState.REFUSED
    request.decided_by = actor if actor is not None and actor.is_authenticated else None
    request.decided_at = timezone.now()
    request.save()
    audit(
        actor=actor,
        action="member.change_request_decide",
        obj=request.member,
        unit=request.member.unit,
        detail={"request": request.pk, "accept": accept},
    )
    return request


@transaction.atomic
def member_record_view(*, actor: Any, member: Member, sensitive: bool) -> None:
    """A profile was shown: the read of personal data is audited (with or without sensitive)."""
    audit(
        actor=actor,
        action="member.view",
        obj=member,
        unit=member.unit,
        detail={"sensitive": sensitive},
    )


@transaction.atomic
def position_add(
    *,
    actor: Any,
    member: Member,
    title: str,
    unit: Unit,
    start: dt.date,
    end: dt.date | None = None,
) -> Any:
    """A union position (Chi hội trưởng, Chủ tịch …) with its term."""
    from hoiso.members.models import Position

    title = nfc(title)
    if not title:
        raise ValidationError({"title": _("Name the position.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The term ends before it starts.")})
    position = Position.objects.create(member=member, title=title, unit=unit, start=start, end=end)
    audit(
        actor=actor,
        action="member.position",
        obj=member,
        unit=unit,
        detail={
            "title": title,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
        },
    )
    return position


@transaction.atomic
def position_end(*, actor: Any, position: Any, end: dt.date) -> Any:
    if end < position.start:
        raise ValidationError({"end": _("The term ends before it starts.")})
    position.end = end
    position.save(update_fields=["end"])
    audit(
        actor=actor,
        action="member.position_end",
        obj=position.member,
        unit=position.unit,
        detail={"title": position.title, "end": end.isoformat()},
    )
    return position
