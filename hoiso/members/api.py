"""/api/v1/members/: the same services and selectors as the UI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from hoiso.core.access import has_perm_at, require_perm, require_perm_at
from hoiso.members import selectors, services
from hoiso.members.choices import INDICATORS
from hoiso.members.models import Member
from hoiso.org.selectors import unit_get

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    full_name: str
    birth_date: dt.date | None
    birth_year: int
    sex: str
    member_type: str
    status: str
    unit: str
    unit_name: str
    phone: str
    id_number_masked: str
    card_number: str
    card_status: str
    join_date: dt.date | None

    @staticmethod
    def resolve_unit(obj: Member) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Member) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_id_number_masked(obj: Member) -> str:
        return obj.id_number_hint


class MemberDetail(MemberOut):
    zalo: str
    email: str
    residence_province: str
    residence_commune: str
    residence_hamlet: str
    residence_detail: str
    former_address: str
    occupation: str
    education: str
    political_theory: str
    marital_status: str
    youth_union: bool | None
    indicators: dict[str, bool | None]
    sensitive: dict[str, str | None] | None = None

    @staticmethod
    def resolve_indicators(obj: Member) -> dict[str, bool | None]:
        return {name: getattr(obj, name) for name in INDICATORS}

    @staticmethod
    def resolve_sensitive(obj: Member) -> dict[str, str | None] | None:
        # Set by _detail only for callers allowed to see sensitive data.
        return getattr(obj, "sensitive_for_caller", None)


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberIn(Schema):
    unit: str
    full_name: str
    birth_date: dt.date | None = None
    birth_year: int | None = None
    sex: str = "F"
    member_type: str = "regular"
    join_date: dt.date | None = None
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
    sensitive: dict[str, str | None] = {}
    indicators: dict[str, bool | None] = {}


class TransferIn(Schema):
    to_unit: str
    reason: str
    date: dt.date


class TransferOut(Schema):
    id: int
    state: str
    from_unit: str
    to_unit: str

    @staticmethod
    def resolve_from_unit(obj: Any) -> str:
        return str(obj.from_unit.code)

    @staticmethod
    def resolve_to_unit(obj: Any) -> str:
        return str(obj.to_unit.code)


class DuesIn(Schema):
    year: int
    paid_on: dt.date
    amount: int | None = None


class IndicatorsIn(Schema):
    values: dict[str, bool | None]


def _detail(request: HttpRequest, member: Member) -> Member:
    """The member for MemberDetail: sensitive values attached only when the caller may see them."""
    sensitive = has_perm_at(request.user, selectors.SENSITIVE_PERM, member.unit.path)
    services.member_record_view(actor=request.user, member=member, sensitive=sensitive)
    if sensitive:
        member.sensitive_for_caller = services.sensitive_values(member)  # type: ignore[attr-defined]
    return member


def _input(payload: MemberIn, *, allow_sensitive: bool) -> services.MemberInput:
    data = payload.model_dump(exclude={"unit"})
    if not allow_sensitive:
        data["sensitive"] = {}
    return services.MemberInput(**data)


@router.get("", response=MemberPage, url_name="member_list")
def list_members(request: HttpRequest, after: str = "", limit: int = 50) -> dict[str, Any]:
    """Members in the caller's scope with the list's filters (``unit``, ``q``, ``status`` …)."""
    from hoiso.members.stats.filters import filter_from_query

    flt = filter_from_query(request.user, request.GET)
    page = selectors.member_page(
        request.user, flt, cursor=after or None, size=max(1, min(limit, 500))
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


class ImportIssue(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    imported: int
    invalid: list[ImportIssue]
    would_import: int | None = None


@router.post("/import", response={200: ImportOut, 400: dict[str, str]}, url_name="member_import")
def import_members(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file field
    unit: str = Form(...),
    dry_run: bool = Form(False),
    skip_invalid: bool = Form(False),
    create_chapters: bool = Form(False),
) -> Any:
    """A roster, as in the UI and `import_members`: the same report as `--json`.

    The whole file is checked and imported in this request; very large files go through the
    page or the command, which run them as background jobs.
    """
    from hoiso.core.imports import FileError, stash_upload
    from hoiso.members.imports.selectors import import_unit_for
    from hoiso.members.imports.tasks import run_member_import

    require_perm(request.user, "members.import_member")
    target = import_unit_for(request.user, unit)
    try:
        token = stash_upload(file)
        report = run_member_import(
            {
                "token": token,
                "unit": target.pk,
                "create_chapters": create_chapters,
                "file_name": (file.name or "")[:200],
                "dry_run": dry_run,
                "skip_invalid": skip_invalid,
            },
            actor=request.user,
        )
    except FileError as error:
        return Status(400, {"detail": str(error)})
    return report.as_json()


# Paths with an id come after fixed paths such as /import, which they would shadow.
@router.get("/{member_id}", response=MemberDetail, url_name="member_detail", exclude_none=True)
def get_member(request: HttpRequest, member_id: int) -> Member:
    return _detail(request, selectors.member_get(request.user, member_id))


@router.post("", response={201: MemberDetail}, url_name="member_create", exclude_none=True)
def create_member(request: HttpRequest, payload: MemberIn) -> Status[Member]:
    unit = unit_get(request.user, code=payload.unit)
    require_perm_at(request.user, "members.add_member", unit.path)
    allow = has_perm_at(request.user, selectors.SENSITIVE_PERM, unit.path)
    member = services.member_create(
        actor=request.user, data=_input(payload, allow_sensitive=allow), unit=unit
    )
    return Status(201, _detail(request, member))


@router.put("/{member_id}", response=MemberDetail, url_name="member_update", exclude_none=True)
def update_member(request: HttpRequest, member_id: int, payload: MemberIn) -> Member:
    member = selectors.member_get(request.user, member_id)
    require_perm_at(request.user, "members.change_member", member.unit.path)
    if payload.unit != member.unit.code:
        raise ValidationError({"unit": "Use /transfer to move a member to another unit."})
    allow = has_perm_at(request.user, selectors.SENSITIVE_PERM, member.unit.path)
    data = _input(payload, allow_sensitive=allow)
    if not data.id_number:
        data.id_number = services.id_number_of(member)
    member = services.member_update(actor=request.user, member=member, data=data)
    return _detail(request, member)


@router.post("/{member_id}/transfer", response={201: TransferOut}, url_name="member_transfer")
def transfer_member(request: HttpRequest, member_id: int, payload: TransferIn) -> Status[Any]:
    member = selectors.member_get(request.user, member_id)
    require_perm_at(request.user, "members.transfer_member", member.unit.path)
    target = selectors.unit_for_transfer(request.user, payload.to_unit)
    if target is None:
        raise ValidationError({"to_unit": "Unknown or closed unit."})
    transfer = services.transfer_send(
        actor=request.user, member=member, to_unit=target, reason=payload.reason, date=payload.date
    )
    return Status(201, transfer)


@router.post("/{member_id}/dues", response={201: dict[str, int]}, url_name="member_dues")
def record_dues(request: HttpRequest, member_id: int, payload: DuesIn) -> Status[dict[str, int]]:
    member = selectors.member_get(request.user, member_id)
    require_perm_at(request.user, "members.record_dues", member.unit.path)
    count = services.dues_record(
        actor=request.user,
        members=[member],
        year=payload.year,
        paid_on=payload.paid_on,
        amount=payload.amount,
    )
    return Status(201, {"recorded": count})


@router.put(
    "/{member_id}/indicators",
    response=MemberDetail,
    url_name="member_indicators",
    exclude_none=True,
)
def set_indicators(request: HttpRequest, member_id: int, payload: IndicatorsIn) -> Member:
    member = selectors.member_get(request.user, member_id)
    require_perm_at(request.user, "members.change_member", member.unit.path)
    services.indicators_update(actor=request.user, members=[member], values=payload.values)
    return _detail(request, selectors.member_get(request.user, member_id))
