"""Member import speed and memory: our import beside django-import-export and a raw floor.

    .venv/bin/python bench/members_import.py [--rows 50000] [--database-url URL]
                                             [--skip-import-export] [--profile FILE]

Builds a clean roster of --rows members (.xlsx, the official headers, dates as date cells),
then on one fresh database (a new SQLite file by default) measures, in the same run:

  (a) ours: ``run_import(MemberImporter(...))`` with full validation, committed; it runs in a
      child process so that its peak resident memory (VmHWM) is its own;
  (b) django-import-export importing the same file into the same database through a
      ``ModelResource`` of Member with the same columns and its default per-row import
      (``pip install django-import-export`` into the venv; skipped with a message without it,
      and by default above 100,000 rows, where it would take the better part of an hour);
  (c) the raw floor: python-calamine reads the file and one ``executemany`` INSERT writes the
      same columns into the members table, no validation, no history, no encryption; run
      before and after (a), the faster run counts.

(b) and (c) run with the per-row member-count trigger paused, as (a) does. Members (their
history and counts) are deleted between the runs, so each starts from the same state. Prints
rows/s (wall clock and CPU time) side by side with the ratios, the load average and the
targets of issue 3 (a ≥ 10 × b, a ≥ 0.5 × c, peak RSS < 1 GiB at 500,000 rows). Exits 0
whatever the figures say.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "STT",
    "Họ và tên",
    "Ngày, tháng, năm sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Chi hội",
    "Dân tộc",
    "Tôn giáo",
    "Nghề nghiệp",
    "Ngày vào Hội",
    "Loại hội viên",
    "Thôn, tổ dân phố",
    "Trình độ học vấn",
]
CHAPTERS = [f"Chi hội Tổ dân phố {i}" for i in range(1, 13)]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Ma", "Nông", "Hà", "Lò", "Triệu"]  # fmt: skip
MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Kim", "Minh", "Hồng"]
GIVEN = ["Hoa", "Lan", "Mai", "Hạnh", "Hương", "Huyền", "Thảo", "Trang", "Nga", "Yến",
         "Dung", "Hằng", "Phương", "Loan", "Thủy", "Hòa", "Xuân", "Thúy", "Quỳnh", "Ánh",
         "Nhung"]  # fmt: skip
ETHNIC = ["Kinh"] * 6 + ["Tày", "Nùng", "Dao", "Sán Dìu", "Mông"]
RELIGION = ["Không"] * 8 + ["Phật giáo", "Công giáo"]
OCCUPATION = ["Nông dân", "Công nhân", "Hưu trí", "Buôn bán", "Nội trợ", "Công chức",
              "Lao động tự do", "Học sinh"]  # fmt: skip
EDUCATION = ["THCS", "THPT", "Đại học", "Tiểu học", "Cao đẳng", "Trung cấp"]
EPOCH = dt.date(1899, 12, 30)


# --- the roster ------------------------------------------------------------------------------


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def roster_rows(count: int, seed: int = 2026) -> Any:
    """Clean rows: distinct, consistent CCCDs (province 019, woman, birth year), phones."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        century = "1" if born.year < 2000 else "3"
        cccd = f"019{century}{born.year % 100:02d}{i:06d}"
        phone = f"09{rng.randrange(10**8):08d}"
        joined = born.replace(day=1, month=3) + dt.timedelta(days=365 * 19)
        yield [
            i,
            f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            born,
            "Nữ",
            cccd,
            phone,
            rng.choice(CHAPTERS),
            rng.choice(ETHNIC),
            rng.choice(RELIGION),
            rng.choice(OCCUPATION),
            joined.strftime("%d/%m/%Y"),
            "Chính thức",
            f"Tổ dân phố {rng.randrange(1, 30)}",
            rng.choice(EDUCATION),
        ]


def write_roster(path: Path, count: int) -> None:
    """A minimal .xlsx written directly (openpyxl takes minutes at 500,000 rows)."""
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
        "</styleSheet>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Hội viên" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/styles.xml", styles)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>"
            )

            def row_xml(number: int, cells: list[Any]) -> str:
                parts = [f'<row r="{number}">']
                for index, value in enumerate(cells):
                    ref = f"{_col(index)}{number}"
                    if isinstance(value, dt.date):
                        parts.append(f'<c r="{ref}" s="1"><v>{(value - EPOCH).days}</v></c>')
                    elif isinstance(value, int):
                        parts.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        parts.append(
                            f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
                        )
                parts.append("</row>")
                return "".join(parts)

            out.write(row_xml(1, ["DANH SÁCH HỘI VIÊN"]).encode())
            out.write(row_xml(2, HEADER).encode())
            buffer: list[str] = []
            for number, cells in enumerate(roster_rows(count), start=3):
                buffer.append(row_xml(number, cells))
                if len(buffer) >= 5000:
                    out.write("".join(buffer).encode())
                    buffer.clear()
            out.write("".join(buffer).encode())
            out.write(b"</sheetData></worksheet>")


# --- the three imports -----------------------------------------------------------------------


def setup_units() -> str:
    """Province → commune → the 12 chapters of the roster; returns the commune's code."""
    from hoiso.org import services
    from hoiso.org.models import Level

    def level(code: str) -> Any:
        return Level.objects.get(code=code)

    start = dt.date(2020, 1, 1)
    province = services.unit_create(
        actor=None, code="TN", name="Hội LHPN tỉnh Thái Nguyên", level=level("tinh"),
        parent=None, valid_from=start,
    )  # fmt: skip
    commune = services.unit_create(
        actor=None, code="TN-PY", name="Hội LHPN phường Phổ Yên", level=level("xa"),
        parent=province, valid_from=start,
    )  # fmt: skip
    services.units_bulk_create(
        actor=None,
        rows=[
            services.NewUnit(
                code=f"TN-PY-CH{i:02d}", name=name, level=level("chi-hoi"), parent_code="TN-PY"
            )
            for i, name in enumerate(CHAPTERS, start=1)
        ],
        valid_from=start,
    )
    return commune.code


@contextlib.contextmanager
def counts_paused() -> Any:
    """Inside a transaction: the per-row member-count triggers (if the schema has them) off.

    The statistics keep per-unit counts with a trigger per inserted member; the import pauses
    it and counts each chunk in one statement. The floor writes no derived data and (b) is
    meant to show django-import-export's own cost: both run with the triggers paused too, so
    that neither is slowed down by them.
    """
    try:
        from hoiso.members.stats.counts import paused
    except ImportError:  # a schema without the counts
        yield
        return
    with paused():
        yield


def wipe_members() -> None:
    from django.db import connection, transaction

    from hoiso.members.models import Member

    with transaction.atomic(), counts_paused(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {Member.history.model._meta.db_table}")
        cur.execute(f"DELETE FROM {Member._meta.db_table}")
        try:
            from hoiso.members.stats.counts import TABLE
        except ImportError:
            pass
        else:  # every run starts from no members and no counts
            cur.execute(f"DELETE FROM {TABLE} WHERE unit_id <> 0")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def count_members() -> int:
    from hoiso.members.models import Member

    return Member.objects.count()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_import(path: str, unit_code: str, profile: str) -> None:
    """Runs in a subprocess: Django on the parent's database, our import, figures as JSON."""
    import django

    django.setup()
    from hoiso.core.imports import run_import
    from hoiso.members.imports.importer import MemberImporter
    from hoiso.org.models import Unit

    unit = Unit.objects.select_related("level").get(code=unit_code)
    importer = MemberImporter(None, unit, file_name=Path(path).name)
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    report = run_import(importer, path)
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": time.process_time() - cpu,
                "imported": report.imported,
                "invalid": [i.as_dict() for i in report.invalid[:5]],
                "peak_rss_kib": peak_rss_kib(),
            }
        )
    )


def ours(path: Path, unit_code: str, profile: str) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), unit_code, profile],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"the import child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_export(path: Path) -> tuple[float, float] | None:
    """django-import-export: a ModelResource with the same columns, its default import."""
    try:
        import tablib
        from import_export import fields, resources, widgets
    except ImportError:
        return None
    from hoiso.members.models import Member
    from hoiso.org.models import Unit

    class DateOrText(widgets.DateWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            if isinstance(value, dt.datetime):
                return value.date()
            return super().clean(value, row, **kwargs)

    class MemberResource(resources.ModelResource):
        full_name = fields.Field(attribute="full_name", column_name="Họ và tên")
        birth_date = fields.Field(
            attribute="birth_date", column_name="Ngày, tháng, năm sinh", widget=DateOrText()
        )
        sex = fields.Field(attribute="sex", column_name="Giới tính")
        id_number_enc = fields.Field(attribute="id_number_enc", column_name="Số CCCD")
        phone = fields.Field(attribute="phone", column_name="Số điện thoại")
        unit = fields.Field(
            attribute="unit", column_name="Chi hội", widget=widgets.ForeignKeyWidget(Unit, "name")
        )
        ethnicity_enc = fields.Field(attribute="ethnicity_enc", column_name="Dân tộc")
        religion_enc = fields.Field(attribute="religion_enc", column_name="Tôn giáo")
        occupation = fields.Field(attribute="occupation", column_name="Nghề nghiệp")
        join_date = fields.Field(
            attribute="join_date",
            column_name="Ngày vào Hội",
            widget=DateOrText(format="%d/%m/%Y"),
        )
        member_type = fields.Field(attribute="member_type", column_name="Loại hội viên")
        residence_hamlet = fields.Field(
            attribute="residence_hamlet", column_name="Thôn, tổ dân phố"
        )
        education = fields.Field(attribute="education", column_name="Trình độ học vấn")

        class Meta:
            model = Member
            fields = (
                "full_name", "birth_date", "sex", "id_number_enc", "phone", "unit",
                "ethnicity_enc", "religion_enc", "occupation", "join_date", "member_type",
                "residence_hamlet", "education",
            )  # fmt: skip
            import_id_fields: tuple[str, ...] = ()

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.birth_year = instance.birth_date.year if instance.birth_date else 1900
            instance.sex = "F"
            instance.member_type = "regular"

    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as fh:
        # The file's first row is a title: tablib reads the header from the first row, so
        # load it through openpyxl as import-export's own xlsx format does, skipping the title.
        import openpyxl

        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        next(rows)
        data = tablib.Dataset(headers=[str(h) for h in next(rows)])
        for row in rows:
            data.append(row)
        book.close()
    from django.db import transaction

    with transaction.atomic(), counts_paused():
        result = MemberResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started, time.process_time() - cpu
    assert not result.has_errors()
    return seconds


def raw_floor(path: Path, unit_code: str) -> tuple[float, float]:
    """calamine read + one executemany INSERT of the same columns; nothing checked."""
    import python_calamine
    from django.db import connection, transaction
    from django.utils import timezone

    from hoiso.members.models import Member
    from hoiso.org.models import Unit

    units = {u.name: u.pk for u in Unit.objects.filter(code__startswith=unit_code)}
    mapped = [
        "full_name", "birth_date", "sex", "id_number_enc", "phone", "unit_id", "ethnicity_enc",
        "religion_enc", "occupation", "join_date", "member_type", "residence_hamlet",
        "education",
    ]  # fmt: skip
    now = timezone.now().isoformat()
    constants: dict[str, Any] = {}
    for f in Member._meta.concrete_fields:
        if f.attname in mapped or f.primary_key:
            continue
        if f.attname in ("created_at", "updated_at"):
            constants[f.attname] = now
        elif f.attname == "birth_year":
            continue
        elif f.has_default():
            constants[f.attname] = f.get_default()
        elif f.null:
            constants[f.attname] = None
        else:
            constants[f.attname] = ""
    columns = [*mapped, "birth_year", *constants]
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {Member._meta.db_table} ({', '.join(columns)}) "
        f"VALUES ({', '.join([placeholder] * len(columns))})"
    )
    tail = tuple(constants.values())

    started, cpu = time.perf_counter(), time.process_time()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows), next(rows)

    def values() -> Any:
        for r in rows:
            born = r[2]
            yield (
                r[1], born.isoformat(), r[3], r[4], r[5], units[r[6]], r[7], r[8], r[9],
                r[10], r[11], r[12], r[13], born.year, *tail,
            )  # fmt: skip

    connection.ensure_connection()
    with transaction.atomic(), counts_paused():
        raw = connection.connection.cursor()
        raw.executemany(sql, values())
    book.close()
    return time.perf_counter() - started, time.process_time() - cpu


# --- report ----------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_import(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument(
        "--with-import-export",
        action="store_true",
        help="run django-import-export even above 100,000 rows",
    )
    parser.add_argument("--profile", default="", help="write a cProfile of (a) to this file")
    args = parser.parse_args()

    from _django import describe_machine, fresh_database

    cache = ROOT / "var" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"members-{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        tmp = Path(tempfile.mkstemp(suffix=".xlsx", dir=cache)[1])
        write_roster(tmp, args.rows)
        tmp.replace(path)
        print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    db = fresh_database(args.database_url)
    try:
        unit_code = setup_units()
        print(f"{args.rows:,} rows · {db.label} · {describe_machine()} · Python "
              f"{sys.version.split()[0]} · load average {load_average()}")  # fmt: skip

        floors = [raw_floor(path, unit_code)]
        print(f"(c) raw floor: {floors[0][0]:.2f} s", flush=True)
        assert count_members() == args.rows
        wipe_members()

        a = ours(path, unit_code, args.profile)
        print(f"(a) ours: {a['seconds']:.2f} s", flush=True)
        if a["imported"] != args.rows:
            raise SystemExit(f"our import wrote {a['imported']} rows: {a['invalid']}")
        assert count_members() == args.rows
        wipe_members()

        # The floor again after (a): the better of the two is the floor (load comes and goes).
        floors.append(raw_floor(path, unit_code))
        print(f"(c) raw floor, again: {floors[1][0]:.2f} s", flush=True)
        assert count_members() == args.rows
        wipe_members()

        ie: tuple[float, float] | None = None
        ie_note = ""
        if args.skip_import_export:
            ie_note = "skipped (--skip-import-export)"
        elif args.rows > 100_000 and not args.with_import_export:
            ie_note = "skipped above 100,000 rows (--with-import-export to force)"
        else:
            ie = import_export(path)
            print(f"(b) django-import-export: {ie[0] if ie else None} s", flush=True)
            if ie is None:
                ie_note = (
                    "skipped: django-import-export is not installed "
                    "(.venv/bin/pip install django-import-export; not a project dependency)"
                )
            else:
                assert count_members() == args.rows
                wipe_members()
    finally:
        db.drop()

    n = args.rows
    floor = min(floors)
    ours_s = (a["seconds"], a["cpu"])
    print()
    print(f"{'':38} {'seconds':>9} {'rows/s':>10} {'CPU s':>8} {'rows/CPU s':>11}")

    def line(label: str, wall: float, cpu: float) -> None:
        print(f"{label:38} {wall:9.2f} {n / wall:10,.0f} {cpu:8.2f} {n / cpu:11,.0f}")

    line("(a) ours: full validation, committed", *ours_s)
    if ie is not None:
        line("(b) django-import-export", *ie)
    else:
        print(f"{'(b) django-import-export':38} {ie_note}")
    line("(c) raw floor: calamine + executemany", *floor)
    print(f"{'':38} (the better of two floor runs: {floors[0][0]:.2f} s, {floors[1][0]:.2f} s)")
    print()
    print("ratios of rows per second (wall clock; CPU time in brackets, which load skews less)")
    if ie is not None:
        ratio, cpu_ratio = ie[0] / ours_s[0], ie[1] / ours_s[1]
        verdict = "met" if ratio >= 10 else "NOT met"
        print(f"a / b = {ratio:6.1f}× ({cpu_ratio:.1f}×)   target ≥ 10×   {verdict}")
    ratio, cpu_ratio = floor[0] / ours_s[0], floor[1] / ours_s[1]
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(f"a / c = {ratio:6.2f} ({cpu_ratio:.2f})    target ≥ 0.50  {verdict}")
    rss_mib = a["peak_rss_kib"] / 1024
    target = "target < 1024 MiB at 500,000 rows" + (
        f": {'met' if rss_mib < 1024 else 'NOT met'}" if n >= 500_000 else ""
    )
    print(f"peak RSS of (a): {rss_mib:,.0f} MiB   {target}")
    print(f"load average at the end: {load_average()} (other work on the machine skews all three)")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
