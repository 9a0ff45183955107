"""``manage.py units_import``: exit codes, JSON output, skip-invalid, and the tree it builds."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import base as management_base
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from hoiso.core.models import AuditLog
from hoiso.org.management.commands.units_import import Command
from hoiso.org.models import Unit, UnitEvent
from tests.core.test_imports import write_csv, write_xlsx

TITLE = [["HỘI LHPN TỈNH THÁI NGUYÊN"], ["DANH SÁCH ĐƠN VỊ"], []]
HEADER = ["STT", "Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args: Any) -> tuple[int, str, str]:
    """call_command, with the exit code the shell would see."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("units_import", *[str(a) for a in args], stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def unit(code: str) -> Unit:
    return Unit.objects.select_related("parent", "level").get(code=code)


def test_builds_a_tree_with_a_parent_defined_later_in_the_file(db, tmp_path):
    rows = [
        *TITLE,
        HEADER,
        [1, "TN-DT-CH1", "Chi hội xóm Đồng Tâm", "Chi hội", "TN-DT"],  # parent on row 7
        [2, "TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None],
        [3, "TN-DT", "Hội LHPN xã Đại Từ", "Xã/Phường", "TN"],
        [4, "TN", "Hội LHPN tỉnh Thái Nguyên", "TINH", "TW"],
        [5, "TN-DT-CH1-T1", "Tổ phụ nữ số 1", "to phu nu", "TN-DT-CH1"],
        [6, "TN-PY", "Hội LHPN phường Phổ Yên", "Phường", "TN"],
    ]
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", rows), "--valid-from", "01/07/2025")
    assert code == 0, out
    assert "Imported 6 rows." in out
    tw, tn, dt_, ch, to = (unit(c) for c in ("TW", "TN", "TN-DT", "TN-DT-CH1", "TN-DT-CH1-T1"))
    assert tw.parent is None and tn.parent == tw and dt_.parent == tn
    assert ch.parent == dt_ and to.parent == ch
    assert to.path == f"{tw.pk:010d}/{tn.pk:010d}/{dt_.pk:010d}/{ch.pk:010d}/{to.pk:010d}/"
    assert [u.depth for u in (tw, tn, dt_, ch, to)] == [0, 1, 2, 3, 4]
    assert (ch.level.code, to.level.code, dt_.level.code) == ("chi-hoi", "to", "xa")
    assert {u.valid_from for u in Unit.objects.all()} == {dt.date(2025, 7, 1)}
    event = UnitEvent.objects.get()
    assert unit("TN-PY").level.code == "xa"
    assert event.actor is None and event.detail["count"] == 6
    assert AuditLog.objects.filter(action="unit.create", actor__isnull=True).count() == 1


def test_parents_may_be_existing_units_and_the_parent_column_is_optional(tree, tmp_path):
    rows = [
        ["ma", "ten to chuc", "cap don vi", "ma cap tren"],
        ["TN-MOI", "Hội LHPN xã Mới", "xa", "TN"],
        ["TN-MOI-CH1", "Chi hội 1", "chi-hoi", "TN-MOI"],
    ]
    assert run(write_csv(tmp_path / "dv.csv", rows, delimiter=";"))[0] == 0
    assert unit("TN-MOI").parent == tree.province
    assert unit("TN-MOI-CH1").path.startswith(tree.province.path)

    no_parent_column = [["Mã", "Tên", "Cấp"], [7, "Trung ương 2", "Trung ương"]]
    assert run(write_xlsx(tmp_path / "root.xlsx", no_parent_column))[0] == 0
    assert unit("7").parent is None  # a code typed as a number


BAD = [
    *TITLE,
    HEADER,  # row 4
    [1, "TW", "Trung ương", "trung-uong", None],  # row 5: valid
    [2, "A", "Tỉnh A", "huyen", "TW"],  # row 6: unknown level
    [3, "TW", "Lại Trung ương", "trung-uong", None],  # row 7: duplicate of row 5
    [4, "B", None, "tinh", "TW"],  # row 8: no name
    [5, "C", "Tỉnh C", "tinh", "ZZ"],  # row 9: unknown parent
    [6, "D", "Tổ D", "to", "TW"],  # row 10: valid (a group may sit under anything above it)
    [7, "E", "Tỉnh E", "tinh", "D"],  # row 11: a province under a group
    [8, "F", "Xã F", "xa", "A"],  # row 12: parent on an invalid row
]


def issue(row: int, column: str, message: str) -> dict[str, object]:
    return {"row": row, "column": column, "message": message}


LEVELS = "Trung ương (trung-uong), Tỉnh (tinh), Xã/Phường (xa), Chi hội (chi-hoi), Tổ phụ nữ (to)"
BAD_JSON = [
    issue(6, "level", f"Unknown level «huyen»; use one of: {LEVELS}."),
    issue(7, "code", "The unit code TW already appears on row 5."),
    issue(8, "name", "The unit name is missing."),
    issue(9, "parent_code", "The parent unit ZZ is neither in the system nor in this file."),
    issue(
        11,
        "parent_code",
        "A unit of level Tỉnh cannot be placed under D, a unit of level Tổ phụ nữ.",
    ),
    issue(12, "parent_code", "The parent unit A (row 6) cannot be imported."),
]


def test_invalid_rows_exit_1_and_write_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "dv.xlsx", BAD)
    code, out, _err = run(path, "--json")
    assert code == 1
    assert json.loads(out) == {"imported": 0, "invalid": BAD_JSON}
    assert not Unit.objects.exists() and not UnitEvent.objects.exists()


def test_human_report_names_row_and_column(db, tmp_path):
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", BAD))
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[2] == "Row 8, column «Tên đơn vị»: The unit name is missing."
    assert lines[-1] == "6 problems found; nothing was imported."


def test_skip_invalid_imports_the_valid_rows_and_lists_the_rest(db, tmp_path):
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", BAD), "--skip-invalid", "--json")
    assert code == 0
    assert json.loads(out) == {"imported": 2, "invalid": BAD_JSON}
    assert set(Unit.objects.values_list("code", flat=True)) == {"TW", "D"}
    assert unit("D").parent == unit("TW")


def test_skip_invalid_human_summary(db, tmp_path):
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", BAD), "--skip-invalid")
    assert code == 0
    assert out.strip().splitlines()[-1] == "Imported 2 rows. 6 invalid rows skipped."


def test_dry_run_writes_nothing(db, tmp_path):
    rows = [HEADER, [1, "TW", "Trung ương", "trung-uong", None], [2, "T", "Tỉnh", "tinh", "TW"]]
    path = write_xlsx(tmp_path / "dv.xlsx", rows)
    code, out, _err = run(path, "--dry-run", "--json")
    assert code == 0
    assert json.loads(out) == {"imported": 0, "invalid": [], "would_import": 2}
    assert not Unit.objects.exists() and not AuditLog.objects.exists()
    code, out, _err = run(path, "--dry-run")
    assert (code, out.strip()) == (0, "Dry run: 2 rows would be imported; nothing was written.")
    code, _out, _err = run(write_xlsx(tmp_path / "bad.xlsx", BAD), "--dry-run")
    assert code == 1 and not Unit.objects.exists()


def test_codes_already_in_the_database_and_closed_parents(tree, tmp_path):
    Unit.objects.filter(pk=tree.commune_b.pk).update(valid_to=dt.date(2025, 7, 1))
    rows = [
        HEADER,
        [1, "TN", "Tỉnh lại", "tinh", "TW"],
        [2, "X1", "Chi hội mới", "chi-hoi", "TN-DAITU"],
        [3, "X2", "Chi hội", "chi-hoi", "X2"],
        [4, "X3", "Chi hội", "chi-hoi", "TN-PHOYEN-CH1"],
    ]
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", rows), "--json")
    assert code == 1
    assert json.loads(out)["invalid"] == [
        issue(2, "code", "The unit code TN is already used by an existing unit."),
        issue(3, "parent_code", "The parent unit TN-DAITU was closed on 01/07/2025."),
        issue(4, "parent_code", "A unit cannot be its own parent."),
        issue(
            5,
            "parent_code",
            "A unit of level Chi hội cannot be placed under TN-PHOYEN-CH1, "
            "a unit of level Chi hội.",
        ),
    ]


def test_a_service_refusal_is_reported_not_raised(tree, tmp_path, monkeypatch):
    from django.core.exceptions import ValidationError

    from hoiso.org import importers

    def refuse(**kwargs: Any) -> list[Unit]:
        raise ValidationError("refused by the service")

    monkeypatch.setattr(importers, "units_bulk_create", refuse)
    rows = [HEADER, [1, "X1", "Xã mới", "xa", "TN"]]
    code, out, _err = run(write_xlsx(tmp_path / "dv.xlsx", rows), "--json")
    assert code == 1
    assert json.loads(out) == {
        "imported": 0,
        "invalid": [{"row": 0, "column": "", "message": "refused by the service"}],
    }


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p / "none.xlsx", "File not found"),
        (lambda p: write_xlsx(p / "x.xlsx", [["Họ tên", "Ngày sinh"], ["a", "b"]]), "«Mã đơn vị»"),
        (lambda p: write_xlsx(p / "x.xlsx", [["Mã đơn vị", "Tên đơn vị"]]), "«Cấp»"),
        (lambda p: (p / "x.xlsx").write_bytes(b"not a zip") and p / "x.xlsx", "cannot be read"),
        (lambda p: (p / "x.doc").write_bytes(b"x") and p / "x.doc", "Unsupported"),
    ],
)
def test_usage_errors_exit_2(db, tmp_path, make, needle):
    code, _out, err = run(make(tmp_path))
    assert code == 2
    assert needle in err


def test_exit_codes_from_the_command_line(db, tmp_path, capsys, monkeypatch):
    # run_from_argv closes the connections when it ends: keep the test's transaction open.
    monkeypatch.setattr(management_base.connections, "close_all", lambda: None)

    def exit_code(*args: str) -> int:
        with pytest.raises(SystemExit) as caught:
            Command().run_from_argv(["manage.py", "units_import", *args])
        return int(caught.value.code or 0)

    assert exit_code(str(tmp_path / "none.xlsx")) == 2
    assert exit_code(str(write_xlsx(tmp_path / "bad.xlsx", BAD))) == 1
    good = write_xlsx(tmp_path / "ok.xlsx", [HEADER, [1, "TW", "Trung ương", "trung-uong"]])
    assert exit_code(str(good), "--valid-from", "31/02/2025") == 2
    assert "not a date" in capsys.readouterr().err
    Command().run_from_argv(["manage.py", "units_import", str(good)])  # 0: returns normally
    assert Unit.objects.filter(code="TW").exists()
