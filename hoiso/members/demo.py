"""Demo members for the demo province: realistic names, dates, ID numbers and answers.

Deterministic for a seed. Written through ``clean_member`` and the import's bulk write path,
so demo data obeys every rule real data does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from hoiso.members.choices import INDICATORS, Education, MaritalStatus, Occupation
from hoiso.members.models import DuesPayment, DuesRate, Member
from hoiso.members.services import Clean, MemberInput, clean_member
from hoiso.org.models import Unit

KINH_FAMILY = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
    "Lý", "Đinh", "Trịnh", "Lương", "Đào", "Tạ",
]  # fmt: skip
# Tày, Nùng, Dao, Sán Dìu, Mông families common in Thái Nguyên and the former Bắc Kạn.
MINORITY_FAMILY = {
    "Ma": "Tày", "Nông": "Tày", "Hà": "Tày", "Lường": "Tày", "Hoàng": "Nùng", "Lục": "Nùng",
    "Đàm": "Nùng", "Triệu": "Dao", "Bàn": "Dao", "Lý": "Dao", "Diệp": "Sán Dìu", "Giàng": "Mông",
    "Sùng": "Mông",
}  # fmt: skip
MIDDLE = [
    "Thị",
    "Thị",
    "Thị",
    "Thị Thu",
    "Thị Thanh",
    "Thị Ngọc",
    "Thị Minh",
    "Thị Hồng",
    "Thị Kim",
]
GIVEN = [
    "Hoa", "Lan", "Mai", "Hạnh", "Hương", "Thu", "Hằng", "Nga", "Huyền", "Trang", "Linh", "Ngọc",
    "Dung", "Yến", "Thảo", "Oanh", "Loan", "Nhung", "Duyên", "Phương", "Vân", "Hà", "Hiền", "Liên",
    "Tuyết", "Xuân", "Đào", "Ánh", "Bích", "Châu", "Hòa", "Thủy", "Quyên", "Giang", "Lụa", "Sen",
    "Tâm", "Nhàn", "Hậu", "Thơm",
]  # fmt: skip
ROADS = ["Đường Hoàng Văn Thụ", "Đường Lương Ngọc Quyến", "Đường Bắc Sơn", "Đường Quang Trung"]
PROVINCE_BIRTH_CODES = ["019", "019", "019", "006"]  # Thái Nguyên, Bắc Kạn


def _person(rng: random.Random, serial: int, today: dt.date) -> tuple[MemberInput, str | None]:
    minority = rng.random() < 0.3
    if minority:
        family = rng.choice(list(MINORITY_FAMILY))
        ethnicity: str | None = MINORITY_FAMILY[family]
    else:
        family = rng.choice(KINH_FAMILY)
        ethnicity = "Kinh"
    name = f"{family} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    age = min(90, max(18, int(rng.gauss(44, 14))))
    year = today.year - age
    known_date = rng.random() < 0.85
    birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if birth > today.replace(year=today.year - 18):
        birth = birth.replace(year=year - 1)
        year -= 1
    century_digit = "1" if year < 2000 else "3"
    id_number = ""
    if rng.random() < 0.8:
        id_number = f"{rng.choice(PROVINCE_BIRTH_CODES)}{century_digit}{year % 100:02d}{serial:06d}"
    adult = birth.replace(year=birth.year + 18)
    earliest = max(adult, today.replace(year=today.year - 40))
    join_date = earliest + dt.timedelta(days=rng.randint(0, max(0, (today - earliest).days)))
    phone = f"09{serial:08d}" if rng.random() < 0.9 else ""
    data = MemberInput(
        full_name=name,
        birth_date=birth if known_date else None,
        birth_year=year,
        sex="F",
        id_number=id_number,
        phone=phone,
        residence_province="Thái Nguyên",
        residence_detail=f"Số {rng.randint(1, 300)}, {rng.choice(ROADS)}"
        if rng.random() < 0.3
        else "",
        occupation=rng.choice(Occupation.values),
        education=rng.choice(Education.values),
        marital_status=rng.choice(MaritalStatus.values),
        member_type="regular",
        join_date=join_date,
        sensitive={
            "ethnicity": ethnicity,
            "religion": "Không" if rng.random() < 0.9 else rng.choice(["Phật giáo", "Công giáo"]),
            "poverty": "Hộ nghèo" if rng.random() < 0.05 else None,
        },
        indicators={
            name: rng.random() < p
            for name, p in zip(INDICATORS, (0.85, 0.6, 0.45, 0.5, 0.2, 0.35), strict=True)
        },
    )
    return data, ethnicity


def _rows(
    rng: random.Random, units: list[Unit], count: int, start: int
) -> Iterator[tuple[Clean, Unit]]:
    today = timezone.localdate()
    for i in range(count):
        data, _eth = _person(rng, start + i, today)
        yield clean_member(data, today=today), units[i % len(units)]


@transaction.atomic
def build_demo_members(count: int, *, seed: int = 2026, province_code: str = "TNG") -> int:
    """Add ``count`` members spread over the chapters and groups of the demo province."""
    from hoiso.members.imports.writer import members_bulk_create

    province = Unit.objects.get(code=province_code)
    units = list(
        Unit.objects.under(province)
        .filter(level__code__in=["chi-hoi", "to"], valid_to__isnull=True)
        .order_by("path")
    )
    if not units or count <= 0:
        return 0
    rng = random.Random(seed)
    rng.shuffle(units)
    start = Member.objects.count() + 1
    created = 0
    batch: list[tuple[Clean, Unit]] = []
    for row in _rows(rng, units, count, start):
        batch.append(row)
        if len(batch) == 5000:
            created += members_bulk_create(actor=None, rows=batch, source="demo", file_name="demo")
            batch = []
    if batch:
        created += members_bulk_create(actor=None, rows=batch, source="demo", file_name="demo")
    _demo_dues_and_cards(rng)
    _demo_cards(rng, province)
    _demo_self_service_member()
    return created


def _demo_self_service_member() -> None:
    """The demo login "hoivien" gets her member record, so self-service can be tried."""
    from hoiso.accounts.models import User
    from hoiso.members.services import member_create

    user = User.objects.filter(username="hoivien").first()
    if user is None or Member.objects.filter(user=user).exists():
        return
    unit = user.role_assignments.select_related("unit").first()
    if unit is None:
        return
    member = member_create(
        actor=None,
        unit=unit.unit,
        data=MemberInput(
            full_name=user.full_name or "Hội Viên Minh Họa",
            birth_date=dt.date(1990, 5, 12),
            phone=user.phone or "",
            join_date=dt.date(2015, 3, 8),
            indicators={"has_smartphone": True},
        ),
        source="demo",
    )
    member.user = user
    member.save(update_fields=["user"])


def _demo_dues_and_cards(rng: random.Random) -> None:
    today = timezone.localdate()
    rate, _ = DuesRate.objects.get_or_create(
        effective_from=dt.date(2020, 1, 1),
        defaults={"amount": 12000, "note": "Minh họa: mức hội phí cần xác nhận theo Hướng dẫn"},
    )
    year = today.year
    rows = [
        DuesPayment(
            member_id=pk,
            year=year,
            amount=rate.amount,
            paid_on=dt.date(year, 3, 15),
            unit_id=unit_id,
        )
        for pk, unit_id in Member.objects.filter(source="demo").values_list("pk", "unit_id")
        if rng.random() < 0.8
    ]
    DuesPayment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _demo_cards(rng: random.Random, province: Unit) -> None:
    """Cards for most demo members, numbered as ``card_issue`` numbers them."""
    from hoiso.core.tree import path_ids

    communes = {u.pk: u for u in Unit.objects.under(province).filter(level__code="xa")}
    serials: dict[int, int] = {}
    chosen = []
    today = timezone.localdate()
    for member in (
        Member.objects.filter(source="demo", card_number="").select_related("unit").order_by("pk")
    ):
        if rng.random() >= 0.6:
            continue
        ids = path_ids(member.unit.path)
        commune = next((communes[i] for i in ids if i in communes), None)
        if commune is None:
            continue
        serials[commune.pk] = serials.get(commune.pk, 0) + 1
        suffix = commune.code.rsplit("-", 1)[-1]
        member.card_number = f"{province.code}-{suffix}-{serials[commune.pk]:06d}"
        member.card_status = "issued"
        member.card_issued_on = today
        member.card_version = 1
        chosen.append(member)
    Member.objects.bulk_update(
        chosen, ["card_number", "card_status", "card_issued_on", "card_version"], batch_size=1000
    )
