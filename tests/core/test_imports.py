"""The import engine (hoiso.core.imports): reading every format, finding the header, collecting
every problem with its sheet row, all-or-nothing, skip-invalid, dry runs, the upload stash.

The engine is exercised with a small importer of Level rows (code, name, rank), a real model
with a unique code. The spreadsheet builders at the top are reused by other import tests.
"""

from __future__ import annotations

import csv
import os
import struct
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from hoiso.core.imports import (
    Column,
    FileError,
    Importer,
    ImportReport,
    RowError,
    RowIssue,
    cell_text,
    header_key,
    parse_date,
    read_table,
    run_import,
    stash_upload,
    stashed_path,
)
from hoiso.org.models import Level

Rows = list[list[Any]]

# --- building spreadsheets -----------------------------------------------------------------------


def write_xlsx(path: Path, rows: Rows, *, hidden_first: Rows | None = None) -> Path:
    """An .xlsx with openpyxl; ``hidden_first`` puts a hidden sheet before the data sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if hidden_first is not None:
        for row in hidden_first:
            ws.append(row)
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("Data")
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=number, column=col, value=value)
    wb.save(path)
    return path


def write_csv(path: Path, rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(
            ["" if v is None else v for v in row] for row in rows
        )
    return path


def write_ods(path: Path, rows: Rows) -> Path:
    """A minimal OpenDocument spreadsheet, written by hand (no extra dependency)."""
    xml_rows = []
    for row in rows:
        cells = []
        for value in row:
            if value is None:
                cells.append("<table:table-cell/>")
            elif isinstance(value, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    '<table:table-cell office:value-type="string">'
                    f"<text:p>{escape(value)}</text:p></table:table-cell>"
                )
        xml_rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + "".join(xml_rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def _biff_record(rtype: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _biff8(rows: Rows) -> bytes:
    """A BIFF8 workbook stream: globals (BOF, CODEPAGE, BOUNDSHEET, EOF) and one sheet."""

    def bof(kind: int) -> bytes:
        return _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, int | float):
                cells += _biff_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            else:  # LABEL with a UTF-16 string
                text = value.encode("utf-16-le")
                cells += _biff_record(0x0204, struct.pack("<HHHHB", r, c, 0, len(value), 1) + text)
    width = max((len(row) for row in rows), default=0)
    dimensions = _biff_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    sheet = bof(0x0010) + dimensions + cells + _biff_record(0x000A)
    name = "Sheet1"

    def workbook_globals(sheet_offset: int) -> bytes:
        boundsheet = struct.pack("<IBBBB", sheet_offset, 0, 0, len(name), 1)
        return (
            bof(0x0005)
            + _biff_record(0x0042, struct.pack("<H", 1200))
            + _biff_record(0x0085, boundsheet + name.encode("utf-16-le"))
            + _biff_record(0x000A)
        )

    return workbook_globals(len(workbook_globals(0))) + sheet


def _compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file holding one stream, padded past the 4096-byte mini-stream cutoff."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    data = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    sectors = len(data) // 512
    directory_sector = 1 + sectors
    fat = [fat_sector] + [i + 2 for i in range(sectors - 1)] + [end, end]
    fat += [free] * (128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, directory_sector, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = entry_name.encode("utf-16-le") + b"\0\0" if entry_name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", free, free, child)
            + b"\0" * 36
            + struct.pack("<IIi", start, size, 0)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry(name, 2, free, 1, len(data))
        + entry("", 0, free, free, 0) * 2
    )
    return header + struct.pack("<128I", *fat) + data + directory


def write_xls(path: Path, rows: Rows) -> Path:
    """A minimal Excel 97-2003 (.xls) file, written by hand (no xlwt)."""
    path.write_bytes(_compound_file(_biff8(rows)))
    return path


def to_cp1258(text: str) -> bytes:
    """Vietnamese text the way Windows-1258 stores it: shaped letters, combining tone marks."""
    clusters: list[list[str]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and clusters:
            clusters[-1].append(char)
        else:
            clusters.append([char])
    out = ""
    for base, *marks in clusters:
        shape = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        out += unicodedata.normalize("NFC", base + shape)
        out += "".join(m for m in marks if m not in shape)
    return out.encode("cp1258")


# --- the test importer ---------------------------------------------------------------------------


class LevelImporter(Importer):
    """Levels (code, name, rank): small, real, with a unique code."""

    columns = (
        Column("code", "Mã cấp", ("mã", "code")),
        Column("name", "Tên cấp", ("tên", "ten goi")),
        Column("rank", "Thứ bậc", ("rank",), raw=True),
        Column("note", "Ghi chú", required=False),
    )

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def clean_row(self, values: dict[str, Any], row: int) -> dict[str, Any]:
        self.seen.append(values)
        problems = []
        if not values.get("code"):
            problems.append(("code", "code missing"))
        if not values.get("name"):
            problems.append(("name", "name missing"))
        rank = values.get("rank")
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
            problems.append(("rank", f"bad rank {rank!r}"))
        if values.get("name") == "INVALID":
            raise ValidationError("validation error in clean_row")
        if problems:
            raise RowError.many(problems)
        return {"code": values["code"], "name": values["name"], "rank": rank}

    def check_batch(self, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
        issues = []
        first: dict[str, int] = {}
        for row, value in cleaned:
            if value["code"] in first:
                issues.append(RowIssue(row, "code", f"duplicate of row {first[value['code']]}"))
            else:
                first[value["code"]] = row
        taken = set(Level.objects.filter(code__in=first).values_list("code", flat=True))
        issues += [RowIssue(first[code], "code", "exists") for code in sorted(taken)]
        return issues

    def commit(self, cleaned: list[tuple[int, Any]]) -> int:
        for _row, value in cleaned:
            if value["name"] == "BOOM":
                raise ValidationError("the service refused")
            Level.objects.create(**value)
        return len(cleaned)


TITLE = [["HỘI LHPN TỈNH THÁI NGUYÊN"], ["DANH SÁCH CẤP"], []]
HEADER = ["STT", "Mã cấp", "Tên cấp", "Thứ bậc"]


def created() -> set[str]:
    return set(Level.objects.filter(rank__gte=10).values_list("code", flat=True))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- reading and the header ----------------------------------------------------------------------


def test_header_under_three_title_rows(db, tmp_path):
    path = write_xlsx(
        tmp_path / "cap.xlsx",
        [*TITLE, HEADER, [1, "c1", "Cấp một", 10], [2, "c2", "Cấp hai", 11]],
    )
    report = run_import(LevelImporter(), path)
    assert report.header_row == 4
    assert (report.total_rows, report.imported, report.committed) == (2, 2, True)
    assert report.invalid == []
    assert created() == {"c1", "c2"}


def test_headers_match_synonyms_without_diacritics_case_punctuation_or_line_breaks(db, tmp_path):
    header = ["  MA ", "TÊN\nGỌI (*)", "rank:", "Ghi   chú", "Cột lạ"]
    path = write_xlsx(tmp_path / "cap.xlsx", [header, ["c1", "Cấp một", 10, "x", "?"]])
    importer = LevelImporter()
    report = run_import(importer, path)
    assert report.header_row == 1 and report.imported == 1
    assert importer.seen == [{"code": "c1", "name": "Cấp một", "rank": 10, "note": "x"}]


def test_header_key_folds_everything_away():
    assert header_key("MÃ ĐƠN VỊ\n(cấp trên)") == "ma don vi cap tren"
    assert header_key(unicodedata.normalize("NFD", "Tên  đơn vị:")) == "ten don vi"


def test_optional_column_absent_is_absent(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", [HEADER, [1, "c1", "Một", 10]])
    importer = LevelImporter()
    run_import(importer, path)
    assert importer.seen == [{"code": "c1", "name": "Một", "rank": 10}]


def test_no_header_row_names_the_missing_columns(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", [*TITLE, ["STT", "Mã cấp", "Tên cấp"], [1, "a", "b"]])
    with pytest.raises(FileError) as caught:
        run_import(LevelImporter(), path)
    assert "«Thứ bậc»" in str(caught.value)
    assert "«Mã cấp»" not in str(caught.value)


def test_no_header_at_all(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", [["a", "b"], [1, 2]])
    with pytest.raises(FileError, match="expected the columns «Mã cấp», «Tên cấp», «Thứ bậc»"):
        run_import(LevelImporter(), path)


def test_header_is_looked_for_in_the_first_15_rows_only(db, tmp_path):
    late = [[f"dòng {i}"] for i in range(15)] + [HEADER, [1, "c1", "Một", 10]]
    with pytest.raises(FileError):
        run_import(LevelImporter(), write_xlsx(tmp_path / "late.xlsx", late))
    in_time = [[f"dòng {i}"] for i in range(14)] + [HEADER, [1, "c1", "Một", 10]]
    report = run_import(LevelImporter(), write_xlsx(tmp_path / "ok.xlsx", in_time))
    assert report.header_row == 15 and report.imported == 1


def test_blank_rows_stt_only_rows_column_numbers_and_totals_are_skipped(db, tmp_path):
    rows = [
        *TITLE,
        HEADER,
        ["(1)", "(2)", "(3)", "(4)"],  # column numbers under the header
        [1, "c1", "Một", 10],
        [],
        [None, None, None, None],
        [2, "c2", "Hai", 11],
        [3],  # a pre-numbered template row left empty
        ["Tổng cộng", None, 2, 21],
        [None, "Cộng:", None, 21],
        ["TỔNG SỐ: 2 cấp"],
    ]
    report = run_import(LevelImporter(), write_xlsx(tmp_path / "cap.xlsx", rows))
    assert report.invalid == []
    assert (report.total_rows, report.imported) == (2, 2)
    assert created() == {"c1", "c2"}


def test_only_the_first_cell_makes_a_totals_row(db, tmp_path):
    rows = [
        HEADER,
        [1, "c1", "Cộng Hòa", 10],
        [None, "Cộng Hòa 2", "Cộng Hòa", 11],
        [3, "cong", "Cộng", 12],  # STT first: a data row, whatever the code says
    ]
    report = run_import(LevelImporter(), write_xlsx(tmp_path / "cap.xlsx", rows))
    assert report.imported == 3


def test_numeric_cells_arrive_as_text_and_raw_columns_as_numbers(db, tmp_path):
    rows = [HEADER, [1, 12, 12.5, 10.0], [2, "012", "x", 11]]
    importer = LevelImporter()
    report = run_import(importer, write_xlsx(tmp_path / "cap.xlsx", rows))
    assert report.imported == 2
    assert importer.seen[0] == {"code": "12", "name": "12.5", "rank": 10}
    assert importer.seen[1]["code"] == "012"
    assert isinstance(importer.seen[0]["rank"], int)


def test_cell_text_and_parse_date():
    import datetime as dt

    assert cell_text(12.0) == "12"
    assert cell_text(12.25) == "12.25"
    assert cell_text(912345678.0) == "912345678"
    assert cell_text("  a \n b ") == "a b"
    assert cell_text("   ") is None
    assert cell_text(None) is None
    assert cell_text(dt.date(2025, 7, 1)) == "01/07/2025"
    assert cell_text(dt.datetime(2025, 7, 1, 8, 30)) == "01/07/2025 08:30"
    assert parse_date("01/07/2025") == dt.date(2025, 7, 1)
    assert parse_date(dt.datetime(2025, 7, 1, 0, 0)) == dt.date(2025, 7, 1)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("31/02/2025")


def test_nfd_text_is_normalised(db, tmp_path):
    nfd = unicodedata.normalize("NFD", "Chi hội Thủy  Tiên")
    header = [unicodedata.normalize("NFD", h) for h in HEADER]
    importer = LevelImporter()
    run_import(importer, write_xlsx(tmp_path / "cap.xlsx", [header, [1, "c1", nfd, 10]]))
    assert importer.seen[0]["name"] == "Chi hội Thủy Tiên"
    assert unicodedata.is_normalized("NFC", Level.objects.get(code="c1").name)


# --- collecting problems -------------------------------------------------------------------------

BAD_ROWS = [
    *TITLE,
    HEADER,  # row 4
    [1, "c1", "Một", 10],  # row 5
    [2, None, None, "x"],  # row 6: three problems
    [],  # row 7
    [3, "c3", None, 12],  # row 8
    [4, "c1", "Lại một", 13],  # row 9: duplicate of row 5
    [5, "tinh", "Tỉnh", 14],  # row 10: exists in the database
    [6, "c6", "Sáu", 15],  # row 11: valid
]


def test_every_issue_is_collected_with_its_sheet_row(db, tmp_path):
    report = run_import(LevelImporter(), write_xlsx(tmp_path / "cap.xlsx", BAD_ROWS))
    assert report.invalid == [
        RowIssue(6, "code", "code missing"),
        RowIssue(6, "name", "name missing"),
        RowIssue(6, "rank", "bad rank 'x'"),
        RowIssue(8, "name", "name missing"),
        RowIssue(9, "code", "duplicate of row 5"),
        RowIssue(10, "code", "exists"),
    ]
    assert [issue.label for issue in report.invalid][:3] == ["Mã cấp", "Tên cấp", "Thứ bậc"]
    assert report.total_rows == 6 and report.valid_rows == 2
    assert report.invalid_rows == [6, 8, 9, 10]


def test_all_or_nothing_by_default(db, tmp_path):
    report = run_import(LevelImporter(), write_xlsx(tmp_path / "cap.xlsx", BAD_ROWS))
    assert (report.imported, report.committed) == (0, False)
    assert created() == set()
    assert report.as_json()["imported"] == 0


def test_skip_invalid_imports_only_the_valid_rows(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", BAD_ROWS)
    report = run_import(LevelImporter(), path, skip_invalid=True)
    assert (report.imported, report.committed, report.skipped_invalid) == (2, True, True)
    assert created() == {"c1", "c6"}
    assert len(report.invalid) == 6
    assert report.as_json() == {
        "imported": 2,
        "invalid": [issue.as_dict() for issue in report.invalid],
    }
    assert report.as_json()["invalid"][0] == {"row": 6, "column": "code", "message": "code missing"}


def test_dry_run_writes_nothing_and_counts(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", [HEADER, [1, "c1", "Một", 10], [2, "c2", "Hai", 11]])
    report = run_import(LevelImporter(), path, dry_run=True)
    assert (report.imported, report.committed, report.dry_run) == (2, False, True)
    assert created() == set()
    assert report.as_json() == {"imported": 0, "invalid": [], "would_import": 2}


def test_dry_run_with_skip_invalid_counts_the_valid_rows(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", BAD_ROWS)
    report = run_import(LevelImporter(), path, dry_run=True, skip_invalid=True)
    assert (report.imported, report.committed) == (2, False)
    assert created() == set()


def test_a_validation_error_from_commit_becomes_an_issue_and_nothing_is_written(db, tmp_path):
    rows = [HEADER, [1, "c1", "Một", 10], [2, "c2", "BOOM", 11]]
    path = write_xlsx(tmp_path / "cap.xlsx", rows)
    for dry_run in (True, False):
        report = run_import(LevelImporter(), path, dry_run=dry_run)
        assert report.invalid == [RowIssue(0, "", "the service refused")]
        assert (report.imported, report.committed) == (0, False)
        assert created() == set()  # c1 was created, then rolled back


class WholeFileCheckImporter(LevelImporter):
    def check_batch(self, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
        return [*super().check_batch(cleaned), RowIssue(0, "", "the file as a whole is wrong")]


def test_a_whole_file_issue_is_reported_once_and_blocks_skip_invalid(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", BAD_ROWS)
    report = run_import(WholeFileCheckImporter(), path, skip_invalid=True)
    assert report.invalid[0] == RowIssue(0, "", "the file as a whole is wrong")
    assert [issue.row for issue in report.invalid].count(0) == 1
    assert (report.imported, report.committed) == (0, False)
    assert created() == set()


def test_a_validation_error_from_clean_row_is_an_issue(db, tmp_path):
    path = write_xlsx(tmp_path / "cap.xlsx", [HEADER, [1, "c1", "INVALID", 10]])
    report = run_import(LevelImporter(), path)
    assert report.invalid == [RowIssue(2, "", "validation error in clean_row")]


def test_row_error_carries_one_or_many_issues():
    assert RowError("code", "x").issues == [("code", "x")]
    assert RowError.many([("a", "1"), ("b", "2")]).issues == [("a", "1"), ("b", "2")]
    with pytest.raises(ValueError):
        RowError.many([])


def test_describe_names_row_and_column_label():
    importer = LevelImporter()
    assert importer.describe(RowIssue(7, "name", "m")) == "Row 7, column «Tên cấp»: m"
    assert importer.describe(RowIssue(7, "", "m")) == "Row 7: m"
    assert importer.describe(RowIssue(0, "", "m")) == "m"


def test_report_json_shape():
    report = ImportReport(
        total_rows=3,
        imported=2,
        invalid=[RowIssue(3, "code", "m")],
        dry_run=False,
        committed=True,
        header_row=1,
        skipped_invalid=True,
    )
    assert report.as_json() == {
        "imported": 2,
        "invalid": [{"row": 3, "column": "code", "message": "m"}],
    }


# --- formats ---------------------------------------------------------------------------------


class CsvLevelImporter(LevelImporter):
    """CSV cells are always text, even in a raw column: the importer converts."""

    def clean_row(self, values: dict[str, Any], row: int) -> dict[str, Any]:
        rank = values.get("rank")
        values["rank"] = int(rank) if isinstance(rank, str) and rank.isdigit() else rank
        return super().clean_row(values, row)


def test_csv_utf8_with_bom_and_comma(db, tmp_path):
    path = write_csv(tmp_path / "cap.csv", [*TITLE, HEADER, [1, "c1", "Cấp một, xã", 10]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    importer = CsvLevelImporter()
    report = run_import(importer, path)
    assert report.header_row == 4 and report.imported == 1
    assert importer.seen[0] == {"code": "c1", "name": "Cấp một, xã", "rank": 10}


def test_csv_without_bom_with_semicolons(db, tmp_path):
    rows = [HEADER, [1, "c1", "Xã Tân Cương, TP Thái Nguyên", 10], [2, "c2", "Hai", 11]]
    path = write_csv(tmp_path / "cap.csv", rows, delimiter=";", encoding="utf-8")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = run_import(CsvLevelImporter(), path)
    assert report.invalid == [] and report.imported == 2
    assert Level.objects.get(code="c1").name == "Xã Tân Cương, TP Thái Nguyên"


def test_csv_with_tabs(db, tmp_path):
    path = write_csv(tmp_path / "cap.csv", [HEADER, [1, "c1", "Một", 10]], delimiter="\t")
    assert run_import(CsvLevelImporter(), path).imported == 1


def test_csv_in_windows_1258(db, tmp_path):
    text = "Mã cấp;Tên cấp;Thứ bậc\r\nc1;Chi hội Đồng Tâm;10\r\n"
    path = tmp_path / "cap.csv"
    path.write_bytes(to_cp1258(text))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = run_import(CsvLevelImporter(), path)
    assert report.imported == 1
    assert Level.objects.get(code="c1").name == "Chi hội Đồng Tâm"


def test_csv_in_utf16_as_excel_unicode_text(db, tmp_path):
    path = write_csv(
        tmp_path / "cap.csv", [HEADER, [1, "c1", "Đồng Tâm", 10]], delimiter="\t", encoding="utf-16"
    )
    assert run_import(CsvLevelImporter(), path).imported == 1
    assert Level.objects.get(code="c1").name == "Đồng Tâm"


def test_csv_quoted_line_break_is_one_sheet_row(db, tmp_path):
    rows = [HEADER, [1, "c1", "Một\ndòng", 10], [2, None, "Hai", 11]]
    report = run_import(CsvLevelImporter(), write_csv(tmp_path / "cap.csv", rows))
    assert report.invalid == [RowIssue(3, "code", "code missing")]


def test_ods(db, tmp_path):
    rows = [*TITLE, HEADER, [1, 12, "Cấp một", 10], [], [2, None, "Hai", 11]]
    report = run_import(LevelImporter(), write_ods(tmp_path / "cap.ods", rows))
    assert report.header_row == 4
    assert report.invalid == [RowIssue(7, "code", "code missing")]
    report = run_import(LevelImporter(), write_ods(tmp_path / "cap.ods", rows[:6]))
    assert report.imported == 1 and created() == {"12"}


def test_xls(db, tmp_path):
    rows = [*TITLE, HEADER, [1, 12, "Cấp một", 10], [], [2, None, "Hai", 11]]
    report = run_import(LevelImporter(), write_xls(tmp_path / "cap.xls", rows))
    assert report.header_row == 4
    assert report.invalid == [RowIssue(7, "code", "code missing")]
    report = run_import(LevelImporter(), write_xls(tmp_path / "cap.xls", rows[:6]))
    assert report.imported == 1 and created() == {"12"}


def test_read_table_numbers_rows_as_the_sheet_does(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [[], [], [None, None, "a"], [], [None, "b", 3.0]])
    assert list(read_table(path)) == [
        (1, [None, None, None]),
        (2, [None, None, None]),
        (3, [None, None, "a"]),
        (4, [None, None, None]),
        (5, [None, "b", 3]),
    ]


def test_the_first_visible_sheet_is_read(db, tmp_path):
    path = write_xlsx(
        tmp_path / "cap.xlsx", [HEADER, [1, "c1", "Một", 10]], hidden_first=[["danh mục"]]
    )
    assert run_import(LevelImporter(), path).imported == 1


def _xls_that_makes_calamine_panic() -> bytes:
    """A compound file whose stream claims to live in a mini stream that is not there."""
    data = bytearray(_compound_file(_biff8([["a"]])))
    workbook_entry = len(data) - 4 * 128 + 128
    struct.pack_into("<I", data, workbook_entry + 120, 100)
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("missing.xlsx", None),
        ("panic.xls", _xls_that_makes_calamine_panic()),
        ("cap.pdf", b"%PDF-1.4"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip"),
        ("broken.ods", b"garbage"),
        ("broken.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        ("binary.csv", b"a,b\0c"),
    ],
)
def test_unreadable_files_are_file_errors(db, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FileError):
        run_import(LevelImporter(), path)


# --- the upload stash ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_stash_round_trip(media):
    token = stash_upload(SimpleUploadedFile("Danh sách.xlsx", b"data"))
    path = stashed_path(token)
    assert path.read_bytes() == b"data"
    assert path.parent == Path(media) / "imports"
    assert path.name == f"{token}.xlsx"


@pytest.mark.parametrize(
    "token", ["", "../../etc/passwd", "0" * 31 + "/", "0" * 32, "A" * 32, "..", None]
)
def test_stashed_path_refuses_bad_or_unknown_tokens(media, token):
    with pytest.raises(FileError):
        stashed_path(token)


def test_stashed_files_expire(media, settings):
    token = stash_upload(SimpleUploadedFile("a.csv", b"x"))
    path = stashed_path(token)
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    with pytest.raises(FileError):
        stashed_path(token)
    assert not path.exists()


def test_stash_refuses_other_types_and_huge_files(media, settings):
    with pytest.raises(FileError):
        stash_upload(SimpleUploadedFile("a.exe", b"x"))
    settings.IMPORT_MAX_UPLOAD_BYTES = 3
    with pytest.raises(FileError):
        stash_upload(SimpleUploadedFile("a.csv", b"xxxx"))


# --- Vietnamese, once the catalogue carries these messages ---------------------------------------


def _catalogue_has_imports() -> bool:
    msgid = "Row %(row)d, column «%(column)s»: %(message)s"
    with translation.override("vi"):
        return translation.gettext(msgid) != msgid


def test_messages_in_vietnamese(db, tmp_path):
    if not _catalogue_has_imports():
        pytest.skip("the vi catalogue does not carry the import messages yet")
    with translation.override("vi"):
        assert LevelImporter().describe(RowIssue(7, "name", "…")) == "Dòng 7, cột «Tên cấp»: …"
        with pytest.raises(FileError, match="Không tìm thấy"):
            run_import(LevelImporter(), tmp_path / "none.xlsx")
