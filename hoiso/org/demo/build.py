"""The demo province: Thái Nguyên, its communes and wards, chapters and groups, demo logins.

Deterministic for a given seed, built through the same services as real data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from hoiso.accounts import services as account_services
from hoiso.accounts.models import Role, User
from hoiso.org.demo.names import COMMUNES, HAMLETS, WARDS
from hoiso.org.models import Level, Unit
from hoiso.org.services import NewUnit, units_bulk_create

DEMO_PASSWORD = "HoiSo@2026"
CENTRAL_CODE = "TW"
PROVINCE_CODE = "TNG"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str
    phone: str | None = None


def _levels() -> dict[str, Level]:
    return {lv.code: lv for lv in Level.objects.all()}


def commune_rows(rng: random.Random, levels: dict[str, Level]) -> list[NewUnit]:
    """≈92 communes and wards, 5–15 chapters each, 2–5 groups per chapter."""
    rows: list[NewUnit] = []
    places = [("phường", n) for n in WARDS] + [("xã", n) for n in COMMUNES]
    for index, (kind, place) in enumerate(places, start=1):
        code = f"{PROVINCE_CODE}-{index:02d}"
        rows.append(
            NewUnit(
                code=code,
                name=f"Hội LHPN {kind} {place}",
                level=levels["xa"],
                parent_code=PROVINCE_CODE,
            )
        )
        hamlets = rng.sample(HAMLETS, k=len(HAMLETS))
        for c in range(1, rng.randint(5, 15) + 1):
            if kind == "phường":
                chapter_name = f"Chi hội Tổ dân phố số {c}"
            else:
                hamlet = hamlets[(c - 1) % len(hamlets)]
                chapter_name = f"Chi hội {rng.choice(['xóm', 'thôn', 'bản'])} {hamlet}"
                if c > len(hamlets):
                    chapter_name += f" {c}"
            chapter_code = f"{code}-{c:02d}"
            rows.append(
                NewUnit(
                    code=chapter_code, name=chapter_name, level=levels["chi-hoi"], parent_code=code
                )
            )
            for g in range(1, rng.randint(2, 5) + 1):
                rows.append(
                    NewUnit(
                        code=f"{chapter_code}-{g}",
                        name=f"Tổ phụ nữ số {g}",
                        level=levels["to"],
                        parent_code=chapter_code,
                    )
                )
    return rows


LOGINS = [
    DemoLogin("quantri", "admin", PROVINCE_CODE),
    DemoLogin("lanhdao", "leader", PROVINCE_CODE),
    DemoLogin("canbo.tinh", "cadre", PROVINCE_CODE),
    DemoLogin("quantri.phandinhphung", "admin", f"{PROVINCE_CODE}-01"),
    DemoLogin("canbo.phandinhphung", "cadre", f"{PROVINCE_CODE}-01"),
    DemoLogin("canbo.daitu", "cadre", f"{PROVINCE_CODE}-16"),
    DemoLogin("lanhdao.daitu", "leader", f"{PROVINCE_CODE}-16"),
    DemoLogin("chihoi.phandinhphung1", "chapter", f"{PROVINCE_CODE}-01-01"),
    DemoLogin("chihoi.daitu1", "chapter", f"{PROVINCE_CODE}-16-01"),
    DemoLogin("hoivien", "member", f"{PROVINCE_CODE}-01-01", phone="0912000001"),
]


@transaction.atomic
def build_demo_province(seed: int = 2026) -> int:
    """Create the demo tree and logins; returns the number of units created (0 if present)."""
    if Unit.objects.filter(code=PROVINCE_CODE).exists():
        return 0
    rng = random.Random(seed)
    levels = _levels()
    head = [
        NewUnit(
            code=PROVINCE_CODE,
            name="Hội LHPN tỉnh Thái Nguyên",
            level=levels["tinh"],
            parent_code=CENTRAL_CODE,
        )
    ]
    if not Unit.objects.filter(code=CENTRAL_CODE).exists():
        head.insert(
            0,
            NewUnit(
                code=CENTRAL_CODE,
                name="Trung ương Hội LHPN Việt Nam",
                level=levels["trung-uong"],
                parent_code=None,
            ),
        )
    created = units_bulk_create(
        actor=None,
        rows=head + commune_rows(rng, levels),
        valid_from=dt.date(2025, 7, 1),
        decision="Nghị quyết 202/2025/QH15 (sắp xếp đơn vị hành chính)",
        note="Dữ liệu minh họa",
    )
    roles = {r.code: r for r in Role.objects.all()}
    units = {u.code: u for u in Unit.objects.filter(code__in={lg.unit for lg in LOGINS})}
    for login in LOGINS:
        user = account_services.user_create(
            actor=None,
            username=login.username,
            password=DEMO_PASSWORD,
            full_name=_demo_full_name(login),
            phone=login.phone,
        )
        account_services.role_assign(
            actor=None,
            user=user,
            role=roles[login.role],
            unit=units[login.unit],
            valid_from=dt.date(2025, 7, 1),
        )
    if not User.objects.filter(username="admin").exists():
        account_services.user_create(
            actor=None,
            username="admin",
            password=DEMO_PASSWORD,
            full_name="Quản trị hệ thống",
            is_superuser=True,
        )
    return len(created)


_NAMES = [
    "Nguyễn Thị Hoa",
    "Trần Thị Lan",
    "Lê Thị Mai",
    "Phạm Thị Hạnh",
    "Hoàng Thị Thu",
    "Vũ Thị Hương",
    "Đỗ Thị Ngọc",
    "Bùi Thị Thảo",
    "Ma Thị Nhung",
    "Nông Thị Duyên",
]


def _demo_full_name(login: DemoLogin) -> str:
    return _NAMES[LOGINS.index(login) % len(_NAMES)]


def demo_logins() -> list[DemoLogin]:
    return [lg for lg in LOGINS if User.objects.filter(username=lg.username).exists()]
