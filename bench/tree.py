"""The unit tree at national size: subtree, ancestors, restrict() overhead and merges.

    .venv/bin/python bench/tree.py [--units 250000] [--database-url URL] [--repeat N]

Builds a fresh database (a new SQLite file by default; with a postgres:// URL a new database
beside the one named, dropped at the end), migrates it, builds a tree of ~--units units
(1 central unit, 34 provinces × ~100 communes × ~12 chapters × ~5 groups) through the real
service ``units_bulk_create`` and measures, each figure beside its baseline measured in the
same run. See bench/README.md for what each figure means. Exits 0 whatever the figures say:
benchmarks inform, tests decide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import describe_machine, fresh_database
from _report import NOTES, ROWS, Row, Stat, latency_row, ms, print_table, say

START = dt.date(2020, 1, 1)
PROVINCES = 34
CHAPTERS = (10, 14)  # per commune, uniform: mean 12
GROUPS = (3, 7)  # per chapter, uniform: mean 5
PER_COMMUNE = 1 + 12 * (1 + 5)  # expected units per commune, itself included


# --- measuring ------------------------------------------------------------------------------


def paired(
    subjects: Sequence[Any],
    measured: Callable[[Any], Any],
    baseline: Callable[[Any], Any],
    *,
    warmup: int,
    before: Callable[[Any], None] | None = None,
) -> tuple[Stat, Stat]:
    """Time ``measured`` and ``baseline`` on the same subjects, alternating which runs first.

    ``before`` runs outside the timer before each timed call (e.g. to drop a cache).
    """
    timer = time.perf_counter
    for i, subject in enumerate(subjects[:warmup]):
        for fn in (measured, baseline) if i % 2 else (baseline, measured):
            if before is not None:
                before(subject)
            fn(subject)
    a: list[float] = []
    b: list[float] = []
    for i, subject in enumerate(subjects[warmup:]):
        order = ((measured, a), (baseline, b)) if i % 2 else ((baseline, b), (measured, a))
        for fn, out in order:
            if before is not None:
                before(subject)
            started = timer()
            fn(subject)
            out.append((timer() - started) * 1000)
    return Stat(a), Stat(b)


def cycle(items: Sequence[Any], n: int, rng: random.Random) -> list[Any]:
    """``n`` items drawn at random (each used about as often when n > len(items))."""
    out: list[Any] = []
    while len(out) < n:
        chunk = list(items)
        rng.shuffle(chunk)
        out.extend(chunk)
    return out[:n]


# --- report ---------------------------------------------------------------------------------


def overhead_row(figure: str, got: Stat, base: Stat, target_pct: float) -> None:
    over = (got.p50 - base.p50) / base.p50 * 100
    ROWS.append(
        Row(
            figure,
            f"p50 {ms(got.p50)} / p95 {ms(got.p95)}",
            f"p50 {ms(base.p50)} / p95 {ms(base.p95)}",
            f"{over:+.0f}%",
            f"≤ +{target_pct:g}%",
            "PASS" if over <= target_pct else "FAIL",
        )
    )


# --- the tree -------------------------------------------------------------------------------


def plan_tree(units: int, rng: random.Random) -> list[list[Any]]:
    """Rows per province: (code, name, level code, parent code), parents first."""
    # At least three communes a province: a merge takes two, its baseline three.
    communes_mean = max(3, round((units - 1 - PROVINCES) / (PROVINCES * PER_COMMUNE)))
    spread = max(0, min(communes_mean - 3, communes_mean // 6))
    provinces: list[list[Any]] = []
    for p in range(1, PROVINCES + 1):
        pc = f"P{p:02d}"
        rows: list[Any] = [(pc, f"Hội LHPN tỉnh số {p}", "tinh", "TW")]
        for c in range(1, rng.randint(communes_mean - spread, communes_mean + spread) + 1):
            cc = f"{pc}-X{c:03d}"
            rows.append((cc, f"Hội LHPN xã số {c} tỉnh {p}", "xa", pc))
            for h in range(1, rng.randint(*CHAPTERS) + 1):
                hc = f"{cc}-C{h:02d}"
                rows.append((hc, f"Chi hội ấp số {h}", "chi-hoi", cc))
                for g in range(1, rng.randint(*GROUPS) + 1):
                    rows.append((f"{hc}-T{g}", f"Tổ phụ nữ số {g}", "to", hc))
        provinces.append(rows)
    return provinces


def build_tree(units: int, batch: int, rng: random.Random) -> None:
    from hoiso.org.models import Level, Unit
    from hoiso.org.services import NewUnit, units_bulk_create

    levels = {lv.code: lv for lv in Level.objects.all()}
    plan = plan_tree(units, rng)
    total = 1 + sum(len(p) for p in plan)
    say(f"building {total:,} units through units_bulk_create (batches of ≤ {batch:,} units) …")
    started = time.perf_counter()
    units_bulk_create(
        actor=None,
        rows=[NewUnit("TW", "Trung ương Hội LHPN Việt Nam", levels["trung-uong"], None)],
        valid_from=START,
    )
    batches: list[list[Any]] = [[]]
    for rows in plan:
        if batches[-1] and len(batches[-1]) + len(rows) > batch:
            batches.append([])
        batches[-1].extend(rows)
    for i, rows in enumerate(batches, 1):
        t0 = time.perf_counter()
        units_bulk_create(
            actor=None,
            rows=[NewUnit(c, n, levels[lv], parent) for c, n, lv, parent in rows],
            valid_from=START,
        )
        took = time.perf_counter() - t0
        say(
            f"  batch {i}/{len(batches)}: {len(rows):,} units in {took:.1f} s"
            f" ({len(rows) / took:,.0f} units/s)"
        )
    built = time.perf_counter() - started
    count = Unit.objects.count()
    say(f"built {count:,} units in {built:.1f} s ({count / built:,.0f} units/s)")
    ROWS.append(
        Row(
            f"build: {count:,} units via units_bulk_create ({len(batches)} batches)",
            f"{built:.1f} s ({count / built:,.0f} units/s)",
            "-",
            "-",
            "-",
            "-",
        )
    )


# --- figures --------------------------------------------------------------------------------


def upper(path: str) -> str:
    from hoiso.core.tree import SEP_NEXT

    return path[:-1] + SEP_NEXT


def subtree_figures(repeat: int, warmup: int, rng: random.Random) -> None:
    from django.db import connection

    from hoiso.org.models import Unit

    columns = ", ".join(f'"{f.column}"' for f in Unit._meta.concrete_fields)
    ids_sql = 'SELECT "id" FROM "org_unit" WHERE "path" >= %s AND "path" < %s ORDER BY "path"'
    rows_sql = (
        f'SELECT {columns} FROM "org_unit" WHERE "path" >= %s AND "path" < %s ORDER BY "path"'
    )
    cur = connection.cursor()

    def raw(sql: str) -> Callable[[Unit], Any]:
        def run(x: Unit) -> Any:
            cur.execute(sql, [x.path, upper(x.path)])
            return cur.fetchall()

        return run

    def orm_ids(x: Unit) -> Any:
        return list(Unit.objects.under(x).values_list("id", flat=True))

    def orm_rows(x: Unit) -> Any:
        return list(Unit.objects.under(x))

    communes = list(Unit.objects.filter(level__code="xa"))
    provinces = list(Unit.objects.filter(level__code="tinh"))
    n = warmup + repeat
    for label, xs in (("commune", communes), ("province", provinces)):
        subjects = cycle(xs, n, rng)
        sizes_seen = [len(orm_ids(x)) for x in xs[:20]]
        size = f"~{statistics.mean(sizes_seen):,.0f} units"
        a, b = paired(subjects, orm_ids, raw(ids_sql), warmup=warmup)
        latency_row(f"under({label}) ids [{size}]", a, b, 5)
        # Whole model instances cost Python time per row: fewer rounds for a province.
        rounds = subjects if label == "commune" else subjects[: warmup + max(60, repeat // 5)]
        a, b = paired(rounds, orm_rows, raw(rows_sql), warmup=warmup)
        latency_row(f"under({label}) rows [{size}]", a, b, 5)
    cur.close()


def ancestors_figure(repeat: int, warmup: int, rng: random.Random) -> None:
    from django.db import connection

    from hoiso.core.tree import path_ids
    from hoiso.org.models import Unit

    columns = ", ".join(f'"{f.column}"' for f in Unit._meta.concrete_fields)
    group_ids = list(Unit.objects.filter(level__code="to").values_list("id", flat=True))
    picked = rng.sample(group_ids, min(len(group_ids), warmup + repeat))
    by_id = Unit.objects.in_bulk(picked)
    subjects = cycle([by_id[i] for i in picked], warmup + repeat, rng)
    cur = connection.cursor()

    def orm(x: Unit) -> Any:
        return list(Unit.objects.ancestors_of(x))

    def raw(x: Unit) -> Any:
        ids = path_ids(x.path)[:-1]
        marks = ", ".join(["%s"] * len(ids))
        cur.execute(
            f'SELECT {columns} FROM "org_unit" WHERE "id" IN ({marks}) ORDER BY "depth"', ids
        )
        return cur.fetchall()

    a, b = paired(subjects, orm, raw, warmup=warmup)
    latency_row("ancestors_of(group) rows [4 units]", a, b, 5)
    cur.close()


def make_cadres(count: int, rng: random.Random) -> list[tuple[Any, Any]]:
    """(user, province) pairs: a provincial cadre with one role assignment at her province."""
    from hoiso.accounts.models import Role, User
    from hoiso.accounts.services import role_assign, user_create
    from hoiso.org.models import Unit

    role = Role.objects.get(code="cadre")
    provinces = rng.sample(list(Unit.objects.filter(level__code="tinh")), count)
    pairs = []
    for i, province in enumerate(provinces, 1):
        user = user_create(
            actor=None, username=f"canbo_tinh_{i}", password=None, full_name=f"Cán bộ tỉnh {i}"
        )
        role_assign(actor=None, user=user, role=role, unit=province, valid_from=START)
        pairs.append((User.objects.get(pk=user.pk), province))
    return pairs


def restrict_figures(repeat: int, warmup: int, rng: random.Random) -> None:
    from hoiso.core.access import forget_scopes
    from hoiso.core.tree import subtree_q
    from hoiso.org.models import Unit

    pairs = make_cadres(5, rng)
    subjects = cycle(pairs, warmup + repeat, rng)

    def scoped_list(s: tuple[Any, Any]) -> Any:
        return list(Unit.objects.restrict(s[0], "view").order_by("path")[:100])

    def plain_list(s: tuple[Any, Any]) -> Any:
        return list(Unit.objects.filter(subtree_q(s[1].path)).order_by("path")[:100])

    def scoped_count(s: tuple[Any, Any]) -> int:
        return Unit.objects.restrict(s[0], "view").count()

    def plain_count(s: tuple[Any, Any]) -> int:
        return Unit.objects.filter(subtree_q(s[1].path)).count()

    # Same rows on both sides, or the comparison means nothing.
    for s in pairs:
        assert [u.pk for u in scoped_list(s)] == [u.pk for u in plain_list(s)]
        assert scoped_count(s) == plain_count(s)

    def fresh(s: tuple[Any, Any]) -> None:
        forget_scopes(s[0])  # a new request: the user's scopes are read again

    for what, scoped, plain in (
        ("first 100 of province by path", scoped_list, plain_list),
        ("count of province", scoped_count, plain_count),
    ):
        a, b = paired(subjects, scoped, plain, warmup=warmup, before=fresh)
        overhead_row(f"restrict() {what}, fresh user (per request)", a, b, 20)
        a, b = paired(subjects, scoped, plain, warmup=warmup)
        overhead_row(f"restrict() {what}, warm user (scopes cached)", a, b, 20)


@contextmanager
def lock_rows_of_self() -> Iterator[None]:
    """What-if: every ``select_for_update()`` without ``of`` locks only the main table's rows.

    PostgreSQL refuses FOR UPDATE on the nullable side of an outer join, which is what
    ``select_for_update().select_related("parent")`` asks for; ``of=("self",)`` is the fix.
    """
    from django.db.models.query import QuerySet

    original = QuerySet.select_for_update

    def patched(self: Any, *args: Any, of: Any = (), **kwargs: Any) -> Any:
        return original(self, *args, of=of or ("self",), **kwargs)

    QuerySet.select_for_update = patched  # type: ignore[method-assign]
    try:
        yield
    finally:
        QuerySet.select_for_update = original  # type: ignore[method-assign]


def merge_figures(pairs: int, rng: random.Random) -> None:
    from django.db import DatabaseError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    from hoiso.accounts.models import User
    from hoiso.org.models import Unit
    from hoiso.org.services import unit_merge

    actor = User.objects.get(username="canbo_tinh_1")
    pairs = max(1, min(pairs, (PROVINCES - 1) // 2))
    provinces = rng.sample(list(Unit.objects.filter(level__code="tinh")), 2 * pairs + 1)
    merged_in, baseline_in, counted_in = provinces[:pairs], provinces[pairs:-1], provinces[-1]
    today = dt.date.today()
    serial = iter(range(1, 1000))

    def two_communes(province: Unit, k: int = 2) -> list[Unit]:
        return rng.sample(list(province.children.filter(valid_to__isnull=True)), k)

    def moved_under(units: Sequence[Unit]) -> int:
        return sum(Unit.objects.under(u, include_self=False).count() for u in units)

    def merge(a: Unit, b: Unit) -> None:
        i = next(serial)
        unit_merge(
            actor=actor,
            sources=[a, b],
            effective_date=today,
            new_name=f"Hội LHPN xã hợp nhất {i}",
            new_code=f"MERGED-{i}",
        )

    def baseline(province: Unit) -> tuple[float, int]:
        """Two communes' descendants moved under a third by SQL alone: paths and parent ids."""
        b1, b2, into = two_communes(province, 3)
        moved = 0
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for src in (b1, b2):
                cur.execute(
                    'UPDATE "org_unit" SET "path" = %s || substr("path", %s)'
                    ' WHERE "path" > %s AND "path" < %s',
                    [into.path, len(src.path) + 1, src.path, upper(src.path)],
                )
                moved += cur.rowcount
                cur.execute(
                    'UPDATE "org_unit" SET "parent_id" = %s WHERE "parent_id" = %s',
                    [into.pk, src.pk],
                )
        return time.perf_counter() - started, moved

    def run(label: str) -> None:
        service: list[float] = []
        moved: list[int] = []
        base: list[float] = []
        base_moved: list[int] = []
        for mine, theirs in zip(merged_in, baseline_in, strict=True):
            a, b = two_communes(mine)
            moved.append(moved_under([a, b]))
            started = time.perf_counter()
            merge(a, b)
            service.append(time.perf_counter() - started)
            took, rows = baseline(theirs)
            base.append(took)
            base_moved.append(rows)
        # One more merge with its queries counted (not timed: capturing costs time).
        a, b = two_communes(counted_in)
        size = moved_under([a, b])
        with CaptureQueriesContext(connection) as ctx:
            merge(a, b)
        worst = max(service)
        ROWS.append(
            Row(
                f"{label} ({len(service)} pairs, {min(moved)}-{max(moved)} units moved)",
                f"median {statistics.median(service):.2f} s / max {worst:.2f} s",
                f"median {ms(statistics.median(base) * 1000)} / max {ms(max(base) * 1000)}"
                f" ({min(base_moved)}-{max(base_moved)} rows)",
                f"×{statistics.median(service) / statistics.median(base):.0f}",
                "max ≤ 2 s",
                "PASS" if worst <= 2 else "FAIL",
            )
        )
        NOTES.append(
            f"{label}: {len(ctx.captured_queries)} SQL queries for one merge of two communes"
            f" with {size} units under them (an extra merge, counted, not timed). Wall times"
            " (s) [units moved]: "
            + ", ".join(f"{t:.2f} [{n}]" for t, n in zip(service, moved, strict=True))
            + "; baseline (ms) [rows]: "
            + ", ".join(f"{t * 1000:.1f} [{n}]" for t, n in zip(base, base_moved, strict=True))
        )

    label = "unit_merge: 2 communes → new commune"
    try:
        run(label)
    except DatabaseError as exc:
        error = f"{type(exc).__name__}: {exc}".strip()
        ROWS.append(Row(label, "ERROR (see notes)", "-", "-", "max ≤ 2 s", "FAIL"))
        NOTES.append(f"{label} FAILS on {connection.vendor}: {error}")
        with lock_rows_of_self():
            run("what-if: unit_merge with select_for_update(of=('self',))")


# --- query plans ----------------------------------------------------------------------------


def plans(vendor: str) -> None:
    from django.db import connection

    from hoiso.accounts.models import User
    from hoiso.org.models import Unit

    province = Unit.objects.filter(level__code="tinh").first()
    commune = Unit.objects.filter(level__code="xa").first()
    group = Unit.objects.filter(level__code="to").first()
    cadre = User.objects.get(username="canbo_tinh_1")
    assert province is not None and commune is not None and group is not None
    shown = {
        "under(province) ids": Unit.objects.under(province).values_list("id", flat=True),
        "under(commune) rows": Unit.objects.under(commune),
        "ancestors_of(group)": Unit.objects.ancestors_of(group),
        "restrict(cadre).order_by(path)[:100]": Unit.objects.restrict(cadre, "view").order_by(
            "path"
        )[:100],
    }
    say(f"\nquery plans ({vendor}):")
    verdicts = []
    for label, qs in shown.items():
        plan = qs.explain()
        verdict = verdict_on_plan(vendor, plan, label)
        verdicts.append(f"{label}: {verdict}")
        say(f"- {label}: {verdict}")
        for line in plan.splitlines():
            say(f"    {line}")
    prefix = "EXPLAIN QUERY PLAN" if vendor == "sqlite" else "EXPLAIN"
    with connection.cursor() as cur:
        cur.execute(
            f'{prefix} SELECT COUNT(*) FROM "org_unit" WHERE "path" >= %s AND "path" < %s',
            [province.path, upper(province.path)],
        )
        rows = cur.fetchall()
    plan = "\n".join(" ".join(str(c) for c in row) for row in rows)
    verdict = verdict_on_plan(vendor, plan, "count")
    verdicts.append(f"count of a province: {verdict}")
    say(f"- count of a province: {verdict}")
    for line in plan.splitlines():
        say(f"    {line}")
    NOTES.append("query plans: " + "; ".join(verdicts) + ".")


def verdict_on_plan(vendor: str, plan: str, label: str) -> str:
    text = plan.lower()
    if "ancestors" in label:
        ok = "primary key" in text or "pkey" in text or "rowid" in text
        return "uses the primary key" if ok else "NO primary-key lookup"
    ok = "path" in text and "index" in text and "scan org_unit\n" not in text + "\n"
    if vendor == "postgresql":
        ok = ok and "seq scan" not in text
    result = "uses the path index" if ok else "does NOT use the path index"
    if "temp b-tree" in text or "sort" in text.replace("sort key", ""):
        result += " (with a separate sort step)"
    return result


# --- main -----------------------------------------------------------------------------------


def code_version() -> str:
    """The commit measured, and whether the working tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=Path(__file__).resolve().parent.parent, capture_output=True
        )
        return done.stdout.decode().strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "hoiso", "config")
    return head + (" + uncommitted changes under hoiso/ or config/" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=250_000, help="about how many units")
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://… to run on PostgreSQL (a new database is created and dropped there);"
        " default: a new SQLite file in a temporary directory",
    )
    parser.add_argument("--repeat", type=int, default=300, help="timed rounds per query")
    parser.add_argument("--warmup", type=int, default=30, help="untimed rounds per query first")
    parser.add_argument("--merges", type=int, default=5, help="pairs of communes to merge")
    parser.add_argument(
        "--batch",
        type=int,
        default=40_000,
        help="units per units_bulk_create call (whole provinces; see README for the limit)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    run_started = time.perf_counter()
    db = fresh_database(args.database_url or None, keep=args.keep)
    try:
        label = db.label
        say(
            f"bench/tree.py on {label}, {describe_machine()}, Python {platform.python_version()},"
            f" {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average {load_before[0]:.1f}"
        )
        version = code_version()
        say(f"code: commit {version}")
        say(f"migrated a fresh database in {db.migrate_seconds:.1f} s")
        build_tree(args.units, args.batch, rng)
        if db.vendor == "postgresql":
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
        say("measuring subtree queries …")
        subtree_figures(args.repeat, args.warmup, rng)
        say("measuring ancestors …")
        ancestors_figure(args.repeat, args.warmup, rng)
        say("measuring restrict() …")
        restrict_figures(args.repeat, args.warmup, rng)
        plans(db.vendor)
        say("\nmeasuring merges …")
        merge_figures(args.merges, rng)
        total = time.perf_counter() - run_started
        load_after = os.getloadavg()
        say(
            f"\nresults — {label}, {describe_machine()}, {dt.date.today():%Y-%m-%d},"
            f" {args.repeat} timed rounds per query after {args.warmup} warm-up rounds;"
            f" whole run {total / 60:.1f} min; load average {load_before[0]:.1f} before,"
            f" {load_after[0]:.1f} after; commit {version}\n"
        )
        print_table()
        for note in NOTES:
            say(f"\n- {note}")
    finally:
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
