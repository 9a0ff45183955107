"""Member statistics and exports at province size.

    .venv/bin/python bench/members_stats.py [--members 500000] [--database-url URL] [--repeat N]

Builds a fresh database (a new SQLite file by default; with a postgres:// URL a new database
beside the one named, dropped at the end, and 2,000,000 members unless --members says
otherwise), loads the demo province tree (≈4,200 units) and synthetic members spread over it
(one commune holds exactly --commune-size of them: the export subject) with the count
triggers paused, then rebuilds the counts table (timed), then measures, each
figure beside a baseline measured in the same run:

- the statistics page of the whole province, server side (the view through Django's test
  client): for a provincial cadre, for a provincial admin (no sensitive permission), and for the
  cadre asking for the sensitive breakdowns (``sensitive=1``); baseline: one raw
  ``SELECT status, COUNT(*) … GROUP BY status`` over the same subtree; then the selector alone
  (from the counts table) against the live computation over the members it replaced (checked
  equal first), and what the count triggers add to a write (a status change, a dues payment)
  against the same writes with the triggers dropped (in a transaction rolled back);
- exporting the commune to .xlsx and to .csv through the export view (streamed response read
  to the end); baseline: the same rows written by openpyxl (write-only) / csv alone from a
  raw SQL cursor, with no ORM, no decryption and no formatting; then the whole province to
  .csv once, with the peak memory it adds.

See bench/README.md for the last results. Exits 0 whatever the figures say: benchmarks inform,
tests decide.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import describe_machine, fresh_database
from _report import NOTES, ROWS, Row, Stat, latency_row, print_table, say

TODAY = dt.date.today()
YEAR = TODAY.year

FAMILY = [
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 8), ("Phạm", 6), ("Hoàng", 5), ("Vũ", 4),
    ("Đỗ", 3), ("Bùi", 3), ("Đặng", 3), ("Ngô", 2), ("Dương", 2), ("Lý", 1),
    ("Ma", 4), ("Nông", 4), ("Hà", 3), ("Triệu", 3), ("Lục", 2), ("Hoàng Văn", 1),
    ("Lường", 1), ("Chu", 2), ("Đàm", 1), ("Mông", 1),
]  # fmt: skip
MIDDLE = ["Thị", "Thị", "Thị", "Thị Thu", "Thị Minh", "Thị Ngọc", "Thị Thanh", "Hồng", "Thu"]
GIVEN = [
    "Hoa", "Lan", "Mai", "Hạnh", "Thu", "Hương", "Ngọc", "Thảo", "Nhung", "Duyên", "Hà",
    "Linh", "Trang", "Huyền", "Phương", "Yến", "Hằng", "Loan", "Oanh", "Dung", "Hiền", "Vân",
    "Nga", "Tuyết", "Liên", "Thủy", "Đào", "Xuân", "Quyên", "Giang", "Bích", "Chi", "Ánh",
]  # fmt: skip
STATUS = [("active", 880), ("away", 50), ("transferred", 20), ("left", 30), ("deceased", 20)]
OCCUPATION = [
    ("farmer", 42), ("worker", 12), ("civil_servant", 8), ("retired", 10), ("trader", 8),
    ("business", 2), ("student", 2), ("freelance", 7), ("homemaker", 5), ("other", 2), ("", 2),
]  # fmt: skip
ETHNICITY = [
    ("Kinh", 70), ("Tày", 12), ("Nùng", 6), ("Dao", 3), ("Sán Dìu", 2), ("Mông", 2),
    ("Sán Chay", 1.5), ("Hoa", 0.5), ("Mường", 0.3), ("Pà Thẻn", 0.02), ("Ê Đê", 0.01),
]  # fmt: skip
RELIGION = [("Không", 90), ("Phật giáo", 6), ("Công giáo", 3), ("Tin Lành", 0.8), ("Cao Đài", 0.02)]
# Indicator answers: (yes, no) shares; the rest is "not asked".
INDICATOR_SHARES = {
    "has_smartphone": (0.78, 0.12),
    "vneid_level2": (0.62, 0.2),
    "uses_public_services": (0.45, 0.3),
    "cashless": (0.55, 0.25),
    "sells_online": (0.12, 0.6),
    "digital_training": (0.35, 0.4),
}


class Picker:
    """Weighted choice with a precomputed cumulative table (rng.choices rebuilds it per call)."""

    def __init__(self, table: list[tuple[Any, float]]) -> None:
        import bisect
        import itertools

        self.values = [v for v, _w in table]
        self.cum = list(itertools.accumulate(w for _v, w in table))
        self.total = self.cum[-1]
        self.bisect = bisect.bisect_right

    def __call__(self, rng: random.Random) -> Any:
        return self.values[self.bisect(self.cum, rng.random() * self.total)]


# --- measuring ------------------------------------------------------------------------------


def paired(
    measured: Callable[[], Any], baseline: Callable[[], Any], *, rounds: int, warmup: int
) -> tuple[Stat, Stat]:
    """Time ``measured`` and ``baseline`` alternately (which runs first alternates too)."""
    timer = time.perf_counter
    for i in range(warmup):
        for fn in (measured, baseline) if i % 2 else (baseline, measured):
            fn()
    a: list[float] = []
    b: list[float] = []
    for i in range(rounds):
        order = ((measured, a), (baseline, b)) if i % 2 else ((baseline, b), (measured, a))
        for fn, out in order:
            started = timer()
            fn()
            out.append((timer() - started) * 1000)
    return Stat(a), Stat(b)


# --- data -----------------------------------------------------------------------------------


def build_tree() -> None:
    from hoiso.org.demo.build import build_demo_province

    started = time.perf_counter()
    created = build_demo_province(seed=2026)
    say(f"demo province: {created:,} units in {time.perf_counter() - started:.1f} s")


def member_units(rng: random.Random, total: int, commune_size: int) -> tuple[Any, list[int]]:
    """The export commune and a unit id per member (members sit in groups, some in chapters)."""
    from hoiso.org.models import Unit

    units = list(Unit.objects.filter(path__startswith=_province_path()).select_related("level"))
    by_parent: dict[int | None, list[Any]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    communes = sorted((u for u in units if u.level.code == "xa"), key=lambda u: u.code)
    export_commune = communes[0]

    def holders(commune: Any) -> list[int]:
        out: list[int] = []
        for chapter in by_parent.get(commune.pk, []):
            groups = by_parent.get(chapter.pk, [])
            out.extend(g.pk for g in groups)
            out.append(chapter.pk)  # a few members are attached to the chapter itself
        return out

    weights = [rng.uniform(0.5, 1.6) for _c in communes[1:]]
    rest = total - commune_size
    scale = rest / sum(weights)
    sizes = [commune_size] + [int(w * scale) for w in weights]
    sizes[-1] += total - sum(sizes)
    plan: list[int] = []
    for commune, size in zip(communes, sizes, strict=True):
        slots = holders(commune)
        plan.extend(rng.choice(slots) for _i in range(size))
    rng.shuffle(plan)  # members of a commune were registered over years, not in one block
    return export_commune, plan


def _province_path() -> str:
    from hoiso.org.models import Unit

    return Unit.objects.get(code="TNG").path


def member_rows(rng: random.Random, unit_ids: list[int]) -> Iterator[tuple[Any, ...]]:
    """Member rows in Member's concrete-field order (id left to the database)."""
    from django.utils import timezone

    from hoiso.core import crypto
    from hoiso.core.vietnamese import fold, name_sort_string
    from hoiso.members import rules
    from hoiso.members.services import sensitive_index

    now = timezone.now()
    family, status, occupation = Picker(FAMILY), Picker(STATUS), Picker(OCCUPATION)
    ethnicity, religion = Picker(ETHNICITY), Picker(RELIGION)
    # Real ciphertexts; a small pool per value (AES-GCM with a fresh nonce each) keeps the
    # load fast while every cell still decrypts through the real code.
    pools: dict[tuple[str, str], list[str]] = {}

    def sealed(name: str, value: str) -> tuple[str, str]:
        if not value:
            return "", ""
        pool = pools.get((name, value))
        if pool is None:
            pool = [crypto.encrypt(value, field=name) for _i in range(16)]
            pools[(name, value)] = pool
        return rng.choice(pool), sensitive_index(name, value)

    names: dict[str, tuple[str, str, str]] = {}
    for serial, unit_id in enumerate(unit_ids, start=1):
        full = f"{family(rng)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if full not in names:
            names[full] = (full, fold(full), name_sort_string(full))
        full, folded, sort = names[full]
        birth_year = rng.randint(1945, YEAR - 19)
        birth_date = (
            dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.65
            else None
        )
        id_enc = id_idx = id_hint = ""
        if rng.random() < 0.5:
            century = 1 if birth_year < 2000 else 3
            number = f"0{rng.randint(10, 99)}{century}{birth_year % 100:02d}{serial % 10**6:06d}"
            id_enc = crypto.encrypt(number, field="id_number")
            id_idx = crypto.blind_index(number, field="id_number")
            id_hint = rules.mask_id_number(number)
        phone = f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.8 else ""
        join_year = min(YEAR, birth_year + 18 + int(rng.expovariate(1 / 8)))
        join_date = dt.date(join_year, rng.randint(1, 12), rng.randint(1, 28))
        if join_date > TODAY:
            join_date = TODAY
        st = status(rng)
        r = rng.random()
        card = "issued" if r < 0.62 else ("revoked" if r < 0.63 else "none")
        card_number = f"TNG-{unit_id % 100:02d}-{serial:07d}" if card != "none" else ""
        indicators = []
        for yes, no in INDICATOR_SHARES.values():
            x = rng.random()
            indicators.append(True if x < yes else (False if x < yes + no else None))
        eth = sealed("ethnicity", ethnicity(rng) if rng.random() < 0.7 else "")
        rel = sealed("religion", religion(rng) if rng.random() < 0.5 else "")
        party = sealed(
            "party_member", ("Có" if rng.random() < 0.12 else "Không") if r < 0.6 else ""
        )
        x = rng.random()
        poverty = sealed("poverty", "Hộ nghèo" if x < 0.05 else "Hộ cận nghèo" if x < 0.09 else "")
        yield (
            full, folded, sort, birth_date, birth_year, "F", id_enc, id_idx, id_hint, phone,
            "", "", "", "Thái Nguyên", "", "", "", "", occupation(rng), "", "", "", None,
            *eth, *rel, *party, "", "", *poverty, "", "",
            "honorary" if rng.random() < 0.03 else "regular", join_date, join_year, unit_id,
            st, None, "", card_number, card, join_date if card != "none" else None, 0,
            *indicators, now, None, None, "bench", now, now,
        )  # fmt: skip


def load_members(total: int, commune_size: int, rng: random.Random) -> Any:
    """Insert the members and this year's and last year's dues, fast (executemany / COPY)."""
    from django.db import connection, connections, transaction

    from hoiso.members.models import DuesPayment, Member

    export_commune, plan = member_units(rng, total, commune_size)
    fields = [f for f in Member._meta.concrete_fields if f.column != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f'INSERT INTO "{Member._meta.db_table}" ({columns}) VALUES ({marks})'
    say(f"loading {total:,} members …")
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:  # this connection only: closed after the load
            cur.execute("PRAGMA cache_size = -1000000")
    from hoiso.members.stats import counts

    # The count triggers would run ~80 upserts per member row: paused here like the import
    # writer does, and the whole table computed once at the end (rebuild_member_counts).
    with transaction.atomic(), counts.paused(), connection.cursor() as cur:
        for row in member_rows(rng, plan):
            batch.append(row)
            if len(batch) == 20_000:
                _insert(cur, connection.vendor, Member._meta.db_table, fields, sql, batch)
                batch = []
        if batch:
            _insert(cur, connection.vendor, Member._meta.db_table, fields, sql, batch)
    took = time.perf_counter() - started
    say(f"loaded {total:,} members in {took:.1f} s ({total / took:,.0f}/s)")
    started = time.perf_counter()
    dues_fields = [f for f in DuesPayment._meta.concrete_fields if f.column != "id"]
    dues_sql = (
        f'INSERT INTO "{DuesPayment._meta.db_table}" '
        f"({', '.join(f'{chr(34)}{f.column}{chr(34)}' for f in dues_fields)})"
        f" VALUES ({', '.join(['%s'] * len(dues_fields))})"
    )
    now = dt.datetime.now(dt.UTC)
    paid = 0
    with transaction.atomic(), connection.cursor() as cur:
        batch = []
        members = Member.objects.filter(status__in=["active", "away"]).values_list("id", "unit_id")
        for member_id, unit_id in members.iterator(chunk_size=20_000):
            for year, share in ((YEAR, 0.68), (YEAR - 1, 0.85)):
                if rng.random() < share:
                    batch.append((member_id, year, 12000, dt.date(year, 3, 1), unit_id, None, now))
            if len(batch) >= 20_000:
                table = DuesPayment._meta.db_table
                _insert(cur, connection.vendor, table, dues_fields, dues_sql, batch)
                paid += len(batch)
                batch = []
        if batch:
            table = DuesPayment._meta.db_table
            _insert(cur, connection.vendor, table, dues_fields, dues_sql, batch)
            paid += len(batch)
    say(f"loaded {paid:,} dues payments in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    rows = counts.rebuild()
    took = time.perf_counter() - started
    say(f"member counts rebuilt: {rows:,} rows in {took:.1f} s")
    NOTES.append(f"rebuild_member_counts at {total:,} members: {took:.1f} s ({rows:,} rows)")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE")  # visibility map: index-only scans, as in production
        else:
            cur.execute("ANALYZE")
    connections.close_all()  # measurements use fresh connections with the project's settings
    return export_commune


def _insert(
    cur: Any, vendor: str, table: str, fields: list[Any], sql: str, rows: list[Any]
) -> None:
    if vendor == "postgresql":
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with cur.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur.executemany(sql, rows)


# --- figures --------------------------------------------------------------------------------


def make_user(code: str, role: str, unit_code: str) -> Any:
    from hoiso.accounts.models import Role
    from hoiso.accounts.services import role_assign, user_create
    from hoiso.org.models import Unit

    user = user_create(actor=None, username=code, password="Bench-2026-pass!")
    role_assign(
        actor=None,
        user=user,
        role=Role.objects.get(code=role),
        unit=Unit.objects.get(code=unit_code),
        valid_from=dt.date(2020, 1, 1),
    )
    return user


def stats_figures(cadre: Any, admin: Any, rounds: int, warmup: int) -> None:
    """The page through the view, for a user who sees sensitive breakdowns and one who does not."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from hoiso.org.models import Unit

    province = Unit.objects.get(code="TNG")
    url = reverse("members:stats") + f"?unit={province.code}"
    upper = province.path[:-1] + chr(ord("/") + 1)
    raw = (
        'SELECT m."status", COUNT(*) FROM "members_member" m'
        ' JOIN "org_unit" u ON u."id" = m."unit_id"'
        ' WHERE u."path" >= %s AND u."path" < %s GROUP BY m."status"'
    )

    def baseline() -> None:
        with connection.cursor() as cur:
            cur.execute(raw, [province.path, upper])
            cur.fetchall()

    cases = (
        (cadre, "", "cadre"),
        (admin, "", "admin, no sensitive permission"),
        (cadre, "&sensitive=1", "cadre, with the sensitive breakdowns"),
    )
    for user, extra, label in cases:
        client = Client()
        client.force_login(user)

        def page(client: Client = client, extra: str = extra) -> None:
            response = client.get(url + extra)
            assert response.status_code == 200, response.status_code

        with CaptureQueriesContext(connection) as ctx:
            page()
        NOTES.append(f"statistics page ({label}): {len(ctx.captured_queries)} SQL queries")
        a, b = paired(page, baseline, rounds=rounds, warmup=warmup)
        latency_row(f"statistics page, whole province ({label})", a, b, 500)


def stats_phases(cadre: Any, rounds: int) -> None:
    """The selector alone: from the counts table, and the live computation it replaced."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hoiso.members.stats.live import member_stats_live
    from hoiso.members.stats.selectors import member_stats
    from hoiso.org.models import Unit

    province = Unit.objects.get(code="TNG")
    with CaptureQueriesContext(connection) as ctx:
        member_stats(cadre, province, with_sensitive=True)
    NOTES.append(f"member_stats (selector, with sensitive): {len(ctx.captured_queries)} queries")
    assert member_stats(cadre, province, with_sensitive=True) == member_stats_live(
        cadre, province, with_sensitive=True
    ), "the counts table disagrees with the members"
    NOTES.append("member_stats (counts) == member_stats_live (members) for the province: yes")
    a, b = paired(
        lambda: member_stats(cadre, province, with_sensitive=True),
        lambda: member_stats_live(cadre, province, with_sensitive=True),
        rounds=rounds,
        warmup=1,
    )
    latency_row(
        "selector: counts table (baseline: the live GROUP BY over members it replaced)", a, b, 500
    )


def write_costs(cadre: Any, rounds: int) -> None:
    """What the count triggers add to a write: a status change and a dues payment, each with
    the triggers and (baseline) with them dropped inside a transaction rolled back."""
    from django.db import connection, transaction

    from hoiso.members.models import Member
    from hoiso.members.services import dues_record, member_set_status
    from hoiso.members.stats import counts

    members = list(Member.objects.filter(status="active").order_by("pk")[:rounds])

    class Rollback(Exception):
        pass

    def timed(drop: bool) -> tuple[list[float], list[float]]:
        status: list[float] = []
        dues: list[float] = []
        try:
            with transaction.atomic():
                if drop:
                    with connection.cursor() as cur:
                        for sql in counts.drop_triggers_sql(connection.vendor):
                            cur.execute(sql)
                for m in members:
                    started = time.perf_counter()
                    member_set_status(actor=cadre, member=m, status="away", date=TODAY)
                    status.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    dues_record(actor=cadre, members=[m], year=YEAR + 1, paid_on=TODAY, amount=1)
                    dues.append((time.perf_counter() - started) * 1000)
                raise Rollback
        except Rollback:
            pass
        return status, dues

    with_status, with_dues = timed(drop=False)
    without_status, without_dues = timed(drop=True)
    latency_row(
        "write: member_set_status, one member (baseline: triggers dropped)",
        Stat(with_status),
        Stat(without_status),
        None,
    )
    latency_row(
        "write: dues_record, one member (baseline: triggers dropped)",
        Stat(with_dues),
        Stat(without_dues),
        None,
    )


def export_figures(user: Any, commune: Any, rounds: int, warmup: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from openpyxl import Workbook

    client = Client()
    client.force_login(user)
    upper = commune.path[:-1] + chr(ord("/") + 1)
    raw = (
        'SELECT m."full_name", m."birth_date", m."birth_year", m."sex", m."id_number_hint",'
        ' m."phone", u."name", m."join_date", m."member_type", m."status", m."card_number"'
        ' FROM "members_member" m JOIN "org_unit" u ON u."id" = m."unit_id"'
        ' WHERE u."path" >= %s AND u."path" < %s ORDER BY m."name_sort", m."id"'
    )
    with connection.cursor() as cur:
        cur.execute(
            'SELECT COUNT(*) FROM "members_member" m JOIN "org_unit" u ON u."id" = m."unit_id"'
            ' WHERE u."path" >= %s AND u."path" < %s',
            [commune.path, upper],
        )
        size = cur.fetchone()[0]

    def fetch() -> Iterator[tuple[Any, ...]]:
        with connection.cursor() as cur:
            cur.execute(raw, [commune.path, upper])
            while rows := cur.fetchmany(2000):
                yield from rows

    def through_view(fmt: str) -> Callable[[], None]:
        url = reverse("members:export") + f"?format={fmt}&unit={commune.code}"

        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
            assert len(body) > 1000

        return run

    def xlsx_baseline() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("DS")
        for row in fetch():
            ws.append(list(row))
        with tempfile.TemporaryFile() as out:
            wb.save(out)

    def csv_baseline() -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in fetch():
            writer.writerow(row)
        buffer.getvalue().encode("utf-8-sig")

    label = f"{size:,} members, {commune.name}"
    a, b = paired(through_view("xlsx"), xlsx_baseline, rounds=rounds, warmup=warmup)
    latency_row(f"export .xlsx ({label}; view, sensitive columns)", a, b, 3000)
    a, b = paired(through_view("csv"), csv_baseline, rounds=rounds, warmup=warmup)
    latency_row(f"export .csv ({label}; view, sensitive columns)", a, b, None)


def province_csv(cadre: Any) -> None:
    """The whole province to .csv once: time and the peak memory it adds (streaming)."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(cadre)
    status = Path("/proc/self/status")
    clear = Path("/proc/self/clear_refs")

    def vm(key: str) -> float:
        for line in status.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
        return 0.0

    with contextlib.suppress(OSError):
        clear.write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = vm("VmRSS:")
    started = time.perf_counter()
    response = client.get(reverse("members:export") + "?unit=TNG&format=csv")
    size = rows = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    took = time.perf_counter() - started
    peak = vm("VmHWM:")
    ROWS.append(
        Row(
            f"export .csv, whole province ({rows - 1:,} rows, {size / 2**20:,.0f} MiB)",
            f"{took:.1f} s; RSS {before:,.0f} MiB before, peak {peak:,.0f} MiB",
            "-",
            "-",
            "streamed (peak ≪ file)",
            "PASS" if peak - before < size / 2**20 else "FAIL",
        )
    )


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--members", type=int, default=0, help="default 500,000 (SQLite) / 2,000,000 (PostgreSQL)"
    )
    parser.add_argument("--commune-size", type=int, default=5000, help="the export commune")
    parser.add_argument("--database-url", default="", help="postgres://… (default: new SQLite)")
    parser.add_argument("--repeat", type=int, default=30, help="timed rounds of the stats page")
    parser.add_argument("--export-repeat", type=int, default=10, help="timed rounds per export")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--build-only", action="store_true", help="build, measure nothing")
    parser.add_argument(
        "--no-province-export", action="store_true", help="skip the whole-province .csv export"
    )
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    run_started = time.perf_counter()
    db = fresh_database(args.database_url or None, keep=args.keep)
    try:
        total = args.members or (2_000_000 if db.vendor == "postgresql" else 500_000)
        say(
            f"bench/members_stats.py on {db.label}, {describe_machine()},"
            f" Python {platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC;"
            f" load average {load_before[0]:.1f}"
        )
        build_tree()
        commune = load_members(total, args.commune_size, rng)
        cadre = make_user("bench_cadre", "cadre", "TNG")
        admin = make_user("bench_admin", "admin", "TNG")
        if args.build_only:
            say(f"built; database: {db.url}")
            return 0
        say("measuring the statistics page …")
        stats_figures(cadre, admin, args.repeat, args.warmup)
        stats_phases(cadre, max(3, args.repeat // 6))
        write_costs(cadre, 20)
        say("measuring exports …")
        export_figures(cadre, commune, args.export_repeat, args.warmup)
        if not args.no_province_export:
            say("exporting the whole province to .csv once …")
            province_csv(cadre)
        total_min = (time.perf_counter() - run_started) / 60
        say(
            f"\nresults — {db.label}, {describe_machine()}, {dt.date.today():%Y-%m-%d},"
            f" {total:,} members; whole run {total_min:.1f} min; load average"
            f" {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after;"
            f" peak RSS {peak_rss_mib():,.0f} MiB\n"
        )
        print_table()
        for note in NOTES:
            say(f"\n- {note}")
    finally:
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
