"""Importing members: a messy roster built here (every quirk, every error), the CLI's exit codes
and JSON, all-or-nothing, --skip-invalid, --create-chapters, duplicates in the file and against
the registry, streaming across chunks, the UI preview → confirm, the background job with its
progress, and the access matrix of the import pages.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from hoiso.core import crypto
from hoiso.core.imports import run_import
from hoiso.core.models import AuditLog
from hoiso.members.imports.importer import MemberImporter
from hoiso.members.models import Member
from hoiso.members.services import id_number_of, sensitive_values
from hoiso.org.models import Unit
from tests.conftest import Tree, client_for
from tests.core.test_imports import write_csv, write_xlsx
from tests.members.conftest import make_member

EPOCH = dt.date(1899, 12, 30)
TITLE: list[list[Any]] = [
    ["HỘI LHPN PHƯỜNG PHỔ YÊN"],
    [None, None, "DANH SÁCH HỘI VIÊN NĂM 2026"],
    [],
]
HEADER = [
    "STT",
    "HỌ VÀ TÊN",
    "Ngày, tháng, năm sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Chi hội",
    "Tổ",
    "Dân tộc",
    "Tôn giáo",
    "Nghề nghiệp",
    "Ngày vào Hội",
    "Loại hội viên",
    "Thôn, tổ dân phố",
    "Trình độ học vấn",
]
NUMBERS = [f"({i})" for i in range(1, len(HEADER) + 1)]
# CCCD 019 (Thái Nguyên) 1 (woman, 1900s) 85 (born 1985) + serial. Written as a number, the
# spreadsheet eats its leading zero.
HOA_ID = 19185001234
EXISTING_ID = "019180007777"


def serial(day: dt.date) -> int:
    return (day - EPOCH).days


def messy_rows() -> list[list[Any]]:
    """Rows 1–21 of the roster; the comments give each row's sheet number and what it tests."""
    lan_name = unicodedata.normalize("NFD", "Trần Thị Lan")
    return [
        *TITLE,  # 1–3: title lines and a blank one
        HEADER,  # 4
        NUMBERS,  # 5: the column numbers under the header
        # 6: capitals, a real date cell, CCCD and phone without their leading zero
        [1, "NGUYỄN THỊ HOA", dt.datetime(1985, 3, 5), "Nữ", HOA_ID, 912345678,
         "Chi hội Tổ dân phố 1", "Tổ phụ nữ số 1", "Kinh", "Không", "Nông dân",
         "08/03/2010", "Chính thức", "TDP 1", "THPT"],
        [],  # 7: blank line
        # 8: decomposed Unicode, an Excel serial number, a chapter named without "Chi hội"
        # and without marks, a spaced phone, a year alone for the date of joining
        [2, lan_name, serial(dt.date(1990, 1, 1)), None, "019190004321", "0987 654 321",
         "to dan pho 2", None, "tày", None, "nội trợ", 2015, "chính thức", None, "đại học"],
        # 9: the year of birth alone, the chapter by its code, d/m/yyyy
        [3, "lê thị mai", 1970, "nữ", None, None, "TN-PHOYEN-CH1", None, None, None,
         "Hưu trí", "8/3/2012", None, "Tổ 3", None],
        [4, None, "05/06/1980", "Nữ", None, None, None, None, None, None, None, None,
         None, None, None],  # 10: no name
        [5, "Phạm Thị Hạnh", "31/02/1985", "Nữ", None, None, None, None, None, None, None,
         None, None, None, None],  # 11: a date that does not exist
        [6, "Đỗ Thị Nhỏ", "01/01/2015", "Nữ", None, None, None, None, None, None, None,
         None, "Chính thức", None, None],  # 12: under 18 for a regular member
        [7, "Vũ Thị Thu", "12/12/1990", "Nữ", "019185009999", None, None, None, None, None,
         None, None, None, None, None],  # 13: the CCCD says born in 1985
        [8, "Hoàng Thị Yến", "1988", "Nữ", "01918800AB12", None, None, None, None, None, None,
         None, None, None, None],  # 14: a CCCD with letters
        [9, "Nguyễn Thị Hoà", "05/03/1985", "Nữ", "019185001234", None, None, None, None,
         None, None, None, None, None, None],  # 15: the ID number of row 6
        [10, "TRẦN THỊ LAN", "01/01/1990", None, None, "+84 987 654 321", None, None, None,
         None, None, None, None, None, None],  # 16: row 8 again (name, birth date, phone)
        [11, "Bùi Thị Dung", "02/02/1980", "Nữ", EXISTING_ID, None, None, None, None, None,
         None, None, None, None, None],  # 17: already an active member
        [12, "Đặng Thị Xuân", "03/03/1983", "Nữ", None, None, "Chi hội Tổ dân phố 9", None,
         None, None, None, None, None, None, None],  # 18: no such chapter
        [13, "Ngô Thị Bích", "04/04/1984", "Nữ", None, None, None, None, None, None,
         "phi hành gia", None, None, None, None],  # 19: an occupation not in the list
        [],  # 20
        ["Tổng cộng", None, "13 hội viên"],  # 21: the totals line
    ]  # fmt: skip


EXPECTED = [
    (10, "full_name", "The full name is required."),
    (11, "birth_date", "The date «31/02/1985» does not exist."),
    (12, "member_type", "A regular member must be at least 18 years old (this person is 11)."),
    (13, "id_number", "The ID number says born in 1985, the profile says 1990."),
    (14, "id_number", "The ID number must contain digits only."),
    (15, "id_number", "The same ID number is already on row 6."),
    (16, "full_name", "The same person (name, date of birth and phone) is already on row 8."),
    (17, "id_number", "This person is already an active member: Bùi Thị Dung, Chi hội Tổ dân "
     "phố 2"),
    (18, "chapter", "Unknown chapter «Chi hội Tổ dân phố 9» in Hội LHPN phường Phổ Yên; the "
     "chapters are: Chi hội Tổ dân phố 1, Chi hội Tổ dân phố 2."),
    (19, "occupation", "Unknown value «phi hành gia»; use one of: nông dân; công nhân; cán bộ, "
     "công chức, viên chức; hưu trí; buôn bán; kinh doanh; học sinh; lao động tự do; nội trợ; "
     "khác."),
]  # fmt: skip
VALID_ROWS = 3


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def existing(tree: Tree) -> Member:
    return make_member(
        tree.chapter_a2,
        "Bùi Thị Dung",
        birth_date=dt.date(1980, 2, 2),
        id_number=EXISTING_ID,
    )


def run(*args: Any) -> tuple[int, str, str]:
    """call_command, with the exit code the shell would see."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_members", *[str(a) for a in args], stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def roster(tmp_path: Path, rows: list[list[Any]] | None = None, name: str = "ds.xlsx") -> Path:
    return write_xlsx(tmp_path / name, rows if rows is not None else messy_rows())


def clean_rows(count: int, *, start: int = 1) -> list[list[Any]]:
    """A clean roster of ``count`` members with distinct ID numbers."""
    rows: list[list[Any]] = [HEADER]
    for i in range(start, start + count):
        rows.append(
            [i, f"Nguyễn Thị Mẫu {i}", f"05/03/{1960 + i % 40}", "Nữ",
             f"0191{(60 + i % 40):02d}{i:06d}", None, "Chi hội Tổ dân phố 1", None, None, None,
             None, None, None, None, None]
        )  # fmt: skip
    return rows


def member_count() -> int:
    return Member.objects.count()


# --- the messy roster through the CLI ------------------------------------------------------------


def test_messy_roster_reports_every_problem_on_its_row_and_writes_nothing(
    tree: Tree, existing: Member, tmp_path: Path
) -> None:
    before, audits = member_count(), AuditLog.objects.count()
    code, out, _err = run(roster(tmp_path), "--unit", tree.commune_a.code, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["imported"] == 0
    got = [(i["row"], i["column"], i["message"]) for i in report["invalid"]]
    assert [(r, c) for r, c, _m in got] == [(r, c) for r, c, _m in EXPECTED]
    for (_r, _c, message), (_r2, _c2, expected) in zip(got, EXPECTED, strict=True):
        assert message.startswith(expected), (message, expected)
    assert member_count() == before and AuditLog.objects.count() == audits


def test_messy_roster_human_report(tree: Tree, existing: Member, tmp_path: Path) -> None:
    code, out, _err = run(roster(tmp_path), "--unit", tree.commune_a.code)
    assert code == 1
    assert "Row 11, column «Ngày, tháng, năm sinh»: The date «31/02/1985» does not exist." in out
    assert "Row 18, column «Chi hội»: Unknown chapter «Chi hội Tổ dân phố 9»" in out
    assert out.strip().endswith("10 problems found; nothing was imported.")


def test_skip_invalid_imports_the_valid_rows_normalised(
    tree: Tree, existing: Member, tmp_path: Path
) -> None:
    code, out, _err = run(roster(tmp_path), "--unit", tree.commune_a.code, "--skip-invalid")
    assert code == 0, out
    assert "Imported 3 rows. 10 invalid rows skipped." in out
    new = {m.full_name: m for m in Member.objects.exclude(pk=existing.pk)}
    assert set(new) == {"Nguyễn Thị Hoa", "Trần Thị Lan", "Lê Thị Mai"}
    hoa, lan, mai = new["Nguyễn Thị Hoa"], new["Trần Thị Lan"], new["Lê Thị Mai"]
    assert hoa.birth_date == dt.date(1985, 3, 5) and hoa.phone == "0912345678"
    assert id_number_of(hoa) == "019185001234" and hoa.id_number_hint == "0191******34"
    assert hoa.id_number_idx == crypto.blind_index("019185001234", field="id_number")
    assert hoa.unit == tree.group_a1  # "Tổ phụ nữ số 1" of chapter 1
    assert (hoa.occupation, hoa.education, hoa.member_type) == (
        "farmer",
        "upper_secondary",
        "regular",
    )
    assert hoa.join_date == dt.date(2010, 3, 8) and hoa.residence_hamlet == "TDP 1"
    assert sensitive_values(hoa)["ethnicity"] == "Kinh"
    assert sensitive_values(hoa)["religion"] == "Không"
    assert hoa.source == "import" and hoa.status == "active"
    assert lan.full_name == unicodedata.normalize("NFC", lan.full_name)
    assert lan.birth_date == dt.date(1990, 1, 1) and lan.phone == "0987654321"
    assert lan.unit == tree.chapter_a2 and lan.join_date == dt.date(2015, 1, 1)
    assert sensitive_values(lan)["ethnicity"] == "Tày" and lan.occupation == "homemaker"
    assert lan.education == "university"
    assert mai.birth_date is None and mai.birth_year == 1970
    assert mai.unit == tree.chapter_a1 and mai.join_date == dt.date(2012, 3, 8)
    # history: one "imported" record per member; one audit row for the batch
    for member in (hoa, lan, mai):
        assert [h.history_type for h in member.history.all()] == ["+"]
    log = AuditLog.objects.get(action="member.import")
    assert log.detail["count"] == 3 and log.detail["file"] == "ds.xlsx"
    assert log.unit == tree.commune_a


def test_dry_run_counts_and_writes_nothing(tree: Tree, existing: Member, tmp_path: Path) -> None:
    before = member_count()
    code, out, _err = run(
        roster(tmp_path), "--unit", tree.commune_a.code, "--dry-run", "--skip-invalid", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["imported"] == 0 and report["would_import"] == VALID_ROWS
    assert len(report["invalid"]) == len(EXPECTED)
    assert member_count() == before
    assert not AuditLog.objects.filter(action="member.import").exists()


def test_json_output_is_exact(tree: Tree, tmp_path: Path) -> None:
    rows = [
        HEADER[:3],
        [1, "Lý Thị Hằng", "01/01/1991"],
        [2, None, "1980"],
        [3, "Đinh Thị Gấm", "hôm qua"],
    ]
    code, out, _err = run(roster(tmp_path, rows), "--unit", tree.chapter_a1.code, "--json")
    assert code == 1
    assert json.loads(out) == {
        "imported": 0,
        "invalid": [
            {"row": 3, "column": "full_name", "message": "The full name is required."},
            {
                "row": 4,
                "column": "birth_date",
                "message": "«hôm qua» is not a date (dd/mm/yyyy, or the year alone).",
            },
        ],
    }
    code, out, _err = run(roster(tmp_path, rows[:2]), "--unit", tree.chapter_a1.code, "--json")
    assert code == 0 and json.loads(out) == {"imported": 1, "invalid": []}
    assert Member.objects.get().unit == tree.chapter_a1


def test_exit_codes_for_usage_errors(tree: Tree, tmp_path: Path) -> None:
    path = roster(tmp_path, clean_rows(2))
    code, _out, err = run(path, "--unit", "NO-SUCH-UNIT")
    assert code == 2 and "Unknown unit code: NO-SUCH-UNIT" in err
    assert run(tmp_path / "missing.xlsx", "--unit", tree.commune_a.code)[0] == 2
    no_header = write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    code, _out, err = run(no_header, "--unit", tree.commune_a.code)
    assert code == 2 and "Họ và tên" in err
    assert member_count() == 0
    assert run(path, "--unit", tree.commune_a.code)[0] == 0
    assert member_count() == 2


def test_create_chapters_creates_them_in_the_same_import(tree: Tree, tmp_path: Path) -> None:
    rows = [
        HEADER,
        [1, "Lò Thị Ban", "1975", "Nữ", None, None, "Chi hội Tổ dân phố 9", None, None, None,
         None, None, None, None, None],
        [2, "Hà Thị Cúc", "1976", "Nữ", None, None, "tổ dân phố 9", "Tổ 2", None, None, None,
         None, None, None, None],
        [3, "Mạc Thị Đào", "1977", "Nữ", None, None, "Xóm Mới", None, None, None, None,
         None, None, None, None],
    ]  # fmt: skip
    path = roster(tmp_path, rows)
    code, out, _err = run(path, "--unit", tree.commune_a.code, "--json")
    assert code == 1 and {i["row"] for i in json.loads(out)["invalid"]} == {2, 3, 4}
    units_before = Unit.objects.count()
    code, out, _err = run(path, "--unit", tree.commune_a.code, "--create-chapters")
    assert code == 0, out
    assert Unit.objects.count() == units_before + 3
    ban = Member.objects.get(full_name="Lò Thị Ban")
    cuc = Member.objects.get(full_name="Hà Thị Cúc")
    dao = Member.objects.get(full_name="Mạc Thị Đào")
    assert ban.unit.name == "Chi hội Tổ dân phố 9" and ban.unit.parent == tree.commune_a
    assert ban.unit.level.code == "chi-hoi" and ban.unit.code == "TN-PHOYEN-CH01"
    assert cuc.unit.parent == ban.unit and cuc.unit.name == "Tổ 2"
    assert cuc.unit.level.code == "to"
    assert dao.unit.name == "Chi hội Xóm Mới"
    log = AuditLog.objects.get(action="member.import")
    assert len(log.detail["created_units"]) == 3
    # under a chapter, a chapter cannot be created
    code, out, _err = run(path, "--unit", tree.chapter_a1.code, "--create-chapters", "--json")
    assert code == 1 and json.loads(out)["invalid"][0]["column"] == "chapter"


def test_a_chapter_given_at_chapter_level_is_itself(tree: Tree, tmp_path: Path) -> None:
    rows = [
        HEADER,
        [1, "Lò Thị Ban", "1975", "Nữ", None, None, "Chi hội Tổ dân phố 1", "Tổ phụ nữ số 1",
         None, None, None, None, None, None, None],
    ]  # fmt: skip
    assert run(roster(tmp_path, rows), "--unit", tree.chapter_a1.code)[0] == 0
    assert Member.objects.get().unit == tree.group_a1


def test_csv_roster_with_semicolons(tree: Tree, tmp_path: Path) -> None:
    rows = [
        ["STT", "Họ tên", "Năm sinh", "CMND/CCCD", "SĐT"],
        ["1", "NGUYỄN THỊ HOA", "1985", "19185001234", "912345678"],
    ]
    path = write_csv(tmp_path / "ds.csv", rows, delimiter=";")
    assert run(path, "--unit", tree.chapter_a1.code)[0] == 0
    hoa = Member.objects.get()
    assert hoa.birth_year == 1985 and hoa.phone == "0912345678"
    assert id_number_of(hoa) == "019185001234"


# --- streaming: duplicates and all-or-nothing across chunks --------------------------------------


def test_duplicates_and_rollback_across_chunks(tree: Tree, tmp_path: Path) -> None:
    rows = clean_rows(9)
    rows.append(list(rows[2]))  # row 11 repeats row 3, three chunks later
    rows[-1][0] = 10
    importer = MemberImporter(None, tree.commune_a, file_name="ds.xlsx")
    importer.chunk_rows = 3
    report = run_import(importer, roster(tmp_path, rows))
    assert [(i.row, i.message) for i in report.invalid] == [
        (11, "The same ID number is already on row 3.")
    ]
    assert not report.committed and report.valid_rows == 9
    assert member_count() == 0  # rows of the first chunks were written, then rolled back

    importer = MemberImporter(None, tree.commune_a, file_name="ds.xlsx")
    importer.chunk_rows = 3
    seen: list[tuple[int, int]] = []
    report = run_import(
        importer,
        roster(tmp_path, rows),
        skip_invalid=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.committed and report.imported == 9 and member_count() == 9
    assert seen == [(4, 11), (7, 11), (10, 11), (11, 11)]
    assert AuditLog.objects.filter(action="member.import").count() == 1


def test_queries_do_not_grow_with_rows(
    tree: Tree, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    path = roster(tmp_path, clean_rows(300))
    importer = MemberImporter(None, tree.commune_a, file_name="ds.xlsx")
    with django_assert_max_num_queries(20):
        report = run_import(importer, path)
    assert report.imported == 300


# --- the UI: preview → confirm -----------------------------------------------------------------


def upload(tmp_path: Path, rows: list[list[Any]], name: str = "ds.xlsx") -> SimpleUploadedFile:
    path = roster(tmp_path, rows, name)
    return SimpleUploadedFile(name, path.read_bytes())


def check(client: Any, unit: Unit, file: SimpleUploadedFile, **extra: Any) -> Any:
    data = {"step": "check", "unit": unit.code, "file": file, **extra}
    return client.post(reverse("members:import"), data)


def confirm(client: Any, response: Any, **extra: Any) -> Any:
    params = response.context["params"]
    data = {
        "step": "confirm",
        "token": params["token"],
        "unit": params["unit_code"],
        "file_name": params["file_name"],
        **extra,
    }
    if params["create_chapters"]:
        data["create_chapters"] = "1"
    return client.post(reverse("members:import"), data)


def test_ui_lists_only_the_units_the_user_may_import_into(
    tree: Tree, users: dict[str, Any]
) -> None:
    page = client_for(users["cadre_a"]).get(reverse("members:import"))
    assert page.status_code == 200
    choices = {unit.code for unit in page.context["form"].fields["unit"].queryset}
    assert choices == {tree.commune_a.code, tree.chapter_a1.code, tree.chapter_a2.code}
    assert reverse("members:import_template") in page.content.decode()


def test_ui_preview_then_import_everything(
    tree: Tree, users: dict[str, Any], tmp_path: Path
) -> None:
    client = client_for(users["cadre_a"])
    preview = check(client, tree.commune_a, upload(tmp_path, clean_rows(2)))
    assert preview.status_code == 200
    assert preview.context["report"].valid_rows == 2 and not preview.context["report"].invalid
    assert 'data-testid="import-all"' in preview.content.decode()
    assert member_count() == 0  # the preview writes nothing
    done = confirm(client, preview)
    assert done.status_code == 302 and done["Location"] == reverse("members:member_list")
    assert member_count() == 2
    log = AuditLog.objects.get(action="member.import")
    assert log.actor == users["cadre_a"] and log.detail["file"] == "ds.xlsx"
    member = Member.objects.first()
    assert member is not None
    assert member.history.get().history_user == users["cadre_a"]


def test_ui_preview_lists_every_problem_then_imports_the_valid_rows(
    tree: Tree, users: dict[str, Any], existing: Member, tmp_path: Path
) -> None:
    client = client_for(users["cadre_a"])
    with translation.override("vi"):
        preview = check(client, tree.commune_a, upload(tmp_path, messy_rows()))
    report = preview.context["report"]
    assert [(i.row, i.column) for i in report.invalid] == [(r, c) for r, c, _m in EXPECTED]
    html = preview.content.decode()
    assert "Ngày, tháng, năm sinh" in html and "<td>11</td>" in html
    assert 'data-testid="import-valid"' in html and 'data-testid="import-all"' not in html
    # all or nothing: confirming without "valid rows only" writes nothing and shows the problems
    again = confirm(client, preview)
    assert again.status_code == 200 and len(again.context["report"].invalid) == len(EXPECTED)
    assert member_count() == 1
    done = confirm(client, preview, skip_invalid="1")
    assert done.status_code == 302
    assert member_count() == 1 + VALID_ROWS


def test_ui_refuses_units_outside_the_users_scope(
    tree: Tree, users: dict[str, Any], tmp_path: Path
) -> None:
    client = client_for(users["cadre_a"])
    page = check(client, tree.commune_b, upload(tmp_path, clean_rows(1)))
    assert page.status_code == 200 and "unit" in page.context["form"].errors
    preview = check(client, tree.commune_a, upload(tmp_path, clean_rows(1)))
    params = preview.context["params"]
    response = client.post(
        reverse("members:import"),
        {"step": "confirm", "token": params["token"], "unit": tree.commune_b.code},
    )
    assert response.status_code == 404
    assert member_count() == 0


def test_ui_rejects_a_file_it_cannot_read(
    tree: Tree, users: dict[str, Any], tmp_path: Path
) -> None:
    client = client_for(users["cadre_a"])
    bad = SimpleUploadedFile("ds.pdf", b"%PDF-1.4")
    page = check(client, tree.commune_a, bad)
    assert page.status_code == 200 and page.context["form"].errors["file"]
    broken = SimpleUploadedFile("ds.xlsx", b"not a zip")
    page = check(client, tree.commune_a, broken)
    assert page.status_code == 200 and page.context["form"].non_field_errors()


def test_template_download_has_the_official_headers_and_imports(
    tree: Tree, users: dict[str, Any], tmp_path: Path
) -> None:
    response = client_for(users["cadre_a"]).get(reverse("members:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "mau.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    header = [cell.value for cell in sheet[4]]
    assert header[:4] == ["STT", "Họ và tên", "Ngày, tháng, năm sinh", "Giới tính"]
    code, out, _err = run(path, "--unit", tree.commune_a.code, "--json")
    assert code == 0 and json.loads(out) == {"imported": 1, "invalid": []}
    assert Member.objects.get().unit == tree.group_a1


# --- big files: a background job with progress ---------------------------------------------------


@pytest.fixture
def immediate_tasks(settings: Any, tmp_path: Path) -> Any:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEMBER_IMPORT_SYNC_ROWS = 3
    settings.VAR_DIR = tmp_path
    return settings


def test_big_files_are_checked_and_imported_by_a_job_with_progress(
    tree: Tree,
    users: dict[str, Any],
    tmp_path: Path,
    immediate_tasks: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hoiso.core import jobs
    from hoiso.core.models import Job
    from hoiso.members.imports import tasks

    seen: list[tuple[int, int]] = []

    def record(job_id: int, done: int, total: int) -> None:
        seen.append((done, total))
        jobs.job_progress(job_id, done, total)

    monkeypatch.setattr(tasks, "job_progress", record)
    monkeypatch.setattr(MemberImporter, "chunk_rows", 2)
    client = client_for(users["cadre_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = check(client, tree.commune_a, upload(tmp_path, clean_rows(5)))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:import_job", args=[job.pk])
    assert job.state == "done" and job.params["dry_run"] and job.unit == tree.commune_a
    assert seen == [(3, 6), (5, 6), (6, 6)]  # sheet rows: header on 1, members on 2–6
    assert (job.progress, job.total) == (6, 6)
    assert job.result["valid_rows"] == 5 and member_count() == 0
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'data-testid="import-all"' in page.content.decode()

    params = job.params
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import"),
            {
                "step": "confirm",
                "token": params["token"],
                "unit": params["unit_code"],
                "file_name": params["file_name"],
            },
        )
    second = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("members:import_job", args=[second.pk])
    assert second.state == "done" and second.result["committed"] and member_count() == 5
    page = client.get(response["Location"], HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert "<html" not in html and 'data-testid="job-done"' in html
    assert "Đã nhập 5 hội viên." in html and "every 1s" not in html  # the UI speaks Vietnamese


def test_a_running_job_polls_and_shows_its_progress(
    tree: Tree, users: dict[str, Any], immediate_tasks: Any
) -> None:
    from hoiso.core.jobs import job_create, job_progress, job_start

    job = job_create(
        kind="members.import", user=users["cadre_a"], unit=tree.commune_a, params={}, total=200
    )
    job_start(job.pk)
    job_progress(job.pk, 50, 200)
    client = client_for(users["cadre_a"])
    page = client.get(reverse("members:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="50"' in html and "(25%)" in html
    # another commune's cadre does not see it
    other = client_for(users["cadre_b"]).get(reverse("members:import_job", args=[job.pk]))
    assert other.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_progress_written_inside_a_transaction_is_visible(tree: Tree, immediate_tasks: Any) -> None:
    from django.db import transaction

    from hoiso.core.jobs import job_create, job_progress, job_progress_of
    from hoiso.core.models import Job

    job = job_create(kind="members.import", user=None, unit=tree.commune_a, params={}, total=10)
    with transaction.atomic():
        job_progress(job.pk, 4, 10)
        assert job_progress_of(Job.objects.get(pk=job.pk)) == (4, 10)
    assert job_progress_of(Job.objects.get(pk=job.pk)) == (4, 10)


# --- the write path ------------------------------------------------------------------------------


def test_members_bulk_create_writes_rows_history_and_one_audit_row(
    tree: Tree, users: dict[str, Any]
) -> None:
    from hoiso.members.imports.writer import members_bulk_create
    from hoiso.members.services import MemberInput, clean_member

    actor = users["cadre_a"]
    rows = [
        (
            clean_member(
                MemberInput(
                    full_name=f"HOÀNG THỊ MỸ {i}",
                    birth_year=1980 + i,
                    id_number=f"0191{80 + i}00012{i}",
                    phone="912345678",
                    sensitive={"ethnicity": "Tày"},
                )
            ),
            tree.chapter_a1,
        )
        for i in range(3)
    ]
    assert members_bulk_create(actor=actor, rows=rows, file_name="a.xlsx", unit=tree.commune_a) == 3
    members = list(Member.objects.order_by("pk"))
    assert [m.full_name for m in members] == [f"Hoàng Thị Mỹ {i}" for i in range(3)]
    first = members[0]
    assert first.name_folded == "hoang thi my 0" and first.phone == "0912345678"
    assert first.unit == tree.chapter_a1 and first.source == "import"
    assert first.created_at is not None and first.status == "active"
    assert id_number_of(first) == "019180000120" and sensitive_values(first)["ethnicity"] == "Tày"
    # the history rows are those simple_history's bulk_history_create would write
    record = first.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        actor,
        "imported",
    )
    assert record.full_name == first.full_name and record.id_number_idx == first.id_number_idx
    assert record.unit_id == first.unit_id and record.created_at == first.created_at
    log = AuditLog.objects.get(action="member.import")
    assert log.detail["count"] == 3 and log.detail["file"] == "a.xlsx"
    assert log.actor == actor and log.unit == tree.commune_a


def test_ui_preview_names_the_chapters_it_would_create(
    tree: Tree, users: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        HEADER,
        [1, "Lò Thị Ban", "1975", "Nữ", None, None, "Xóm Mới", "Tổ 2", None, None, None, None,
         None, None, None],
        [2, "Hà Thị Cúc", "1976", "Nữ", None, None, "Tổ dân phố 1", "Tổ 7", None, None, None,
         None, None, None, None],
    ]  # fmt: skip
    client = client_for(users["cadre_a"])
    units = Unit.objects.count()
    preview = check(client, tree.commune_a, upload(tmp_path, rows), create_chapters="on")
    assert preview.context["planned_units"] == [
        "Chi hội Xóm Mới",
        "Tổ 2 (Chi hội Xóm Mới)",
        "Tổ 7 (Chi hội Tổ dân phố 1)",
    ]
    assert 'data-testid="planned-units"' in preview.content.decode()
    assert Unit.objects.count() == units  # the preview creates nothing
    assert confirm(client, preview).status_code == 302
    assert Unit.objects.count() == units + 3
    assert Member.objects.get(full_name="Hà Thị Cúc").unit.parent == tree.chapter_a1
