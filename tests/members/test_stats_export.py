"""Member export (.xlsx roster, .csv) and statistics: layout, permissions, audit, suppression."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.http import Http404, QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from hoiso.core.models import AuditLog
from hoiso.members import services
from hoiso.members.choices import SENSITIVE_FIELDS, MemberType, Sex, Status
from hoiso.members.stats import exports
from hoiso.members.stats.filters import filter_from_query
from hoiso.members.stats.selectors import member_stats
from hoiso.members.stats.suppress import COMPLEMENT, SHOWN, SMALL, suppress_line
from tests.conftest import Tree, client_for, make_user
from tests.members.conftest import make_member

YEAR = timezone.localdate().year
HEADERS = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Chi hội",
    "Tổ",
    "Ngày vào Hội",
    "Loại hội viên",
    "Trạng thái",
    "Số thẻ",
    f"Hội phí {YEAR}",
]
SENSITIVE_HEADERS = ["Dân tộc", "Tôn giáo", "Đảng viên"]
# Vietnamese name order: by given name (Hạnh < Hoa < Lan < Mai < Nam).
COMMUNE_A_ORDER = [
    "Phạm Thị Hạnh",
    "Nguyễn Thị Hoa",
    "Trần Thị Lan",
    "Lê Thị Mai",
    "Hoàng Văn Nam",
]


@pytest.fixture
def roster(tree: Tree, users: dict[str, Any], dues_rate: Any) -> dict[str, Any]:
    """Five records in commune A (one has left), one in commune B; dues, a card, indicators."""
    actor = users["cadre_a"]
    m: dict[str, Any] = {}
    m["hoa"] = make_member(
        tree.group_a1,
        "Nguyễn Thị Hoa",
        actor=actor,
        phone="0912345601",
        id_number="019185001245",
        occupation="farmer",
        sensitive={"ethnicity": "Tày", "religion": "Không", "party_member": "Có"},
    )
    m["lan"] = make_member(
        tree.group_a1,
        "Trần Thị Lan",
        actor=actor,
        birth_date=None,
        birth_year=1960,
        sensitive={"ethnicity": "Kinh", "hardship": "=HYPERLINK(1)"},
    )
    m["mai"] = make_member(tree.chapter_a1, "Lê Thị Mai", birth_date=dt.date(1990, 7, 20))
    m["hanh"] = make_member(tree.chapter_a2, "Phạm Thị Hạnh", occupation="farmer")
    m["nam"] = make_member(
        tree.commune_a,
        "Hoàng Văn Nam",
        birth_date=None,
        birth_year=1970,
        sex="M",
        member_type="honorary",
    )
    m["ngoc"] = make_member(tree.chapter_b1, "Đỗ Thị Ngọc", sensitive={"ethnicity": "Dao"})
    services.member_set_status(
        actor=actor, member=m["mai"], status="left", date=dt.date(2025, 6, 1), reason="Chuyển đi"
    )
    today = timezone.localdate()
    services.dues_record(actor=actor, members=[m["hoa"], m["hanh"]], year=YEAR, paid_on=today)
    services.card_issue(actor=actor, member=m["hoa"])
    services.indicators_update(
        actor=actor,
        members=[m["hoa"]],
        values={
            "has_smartphone": True,
            "vneid_level2": True,
            "cashless": True,
            "uses_public_services": True,
            "sells_online": False,
        },
    )
    services.indicators_update(
        actor=actor, members=[m["lan"]], values={"has_smartphone": True, "cashless": True}
    )
    for key in m:
        m[key].refresh_from_db()
    return m


def vi(label: Any) -> str:
    """A label as the roster writes it (always in Vietnamese)."""
    with translation.override("vi"):
        return str(label)


def export(user: Any, **params: str) -> Any:
    response = client_for(user).get(reverse("members:export"), params)
    assert response.status_code == 200, response.content[:300]
    return response


def workbook(response: Any) -> Any:
    body = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(body))


def header_row(ws: Any) -> int:
    for row in ws.iter_rows(min_row=1, max_row=20):
        if row[0].value == "STT":
            return int(row[0].row)
    raise AssertionError("no header row")


def data_rows(ws: Any) -> list[list[Any]]:
    start = header_row(ws)
    return [list(r) for r in ws.iter_rows(min_row=start + 1, values_only=True)]


def headers_of(ws: Any) -> list[str]:
    start = header_row(ws)
    return [c.value for c in ws[start] if c.value is not None]


# --- the roster -----------------------------------------------------------------------------


def test_xlsx_official_layout(roster, users, tree):
    response = export(users["cadre_a"], unit=tree.commune_a.code, format="xlsx")
    assert response["Content-Disposition"].startswith('attachment; filename="danh-sach-hoi-vien-')
    ws = workbook(response).active
    assert ws["A1"].value == "HỘI LHPN TỈNH THÁI NGUYÊN"
    assert ws["A2"].value == "HỘI LHPN PHƯỜNG PHỔ YÊN"
    texts = [c.value for row in ws.iter_rows(max_row=header_row(ws) - 1) for c in row if c.value]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "DANH SÁCH HỘI VIÊN" in texts
    assert "Tổng số: 5 hội viên" in texts
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Ngày xuất: {today}, người xuất: Nguyễn Thị Hoa" in texts

    assert headers_of(ws)[: len(HEADERS)] == HEADERS
    rows = data_rows(ws)
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert [r[1] for r in rows] == COMMUNE_A_ORDER
    hoa = rows[1]
    assert hoa[2] == dt.datetime(1985, 3, 5)
    start = header_row(ws)
    assert ws.cell(row=start + 2, column=3).number_format == "DD/MM/YYYY"
    assert hoa[3] == vi(Sex.FEMALE.label)
    assert hoa[5] == "0912345601"
    assert (hoa[6], hoa[7]) == ("Chi hội Tổ dân phố 1", "Tổ phụ nữ số 1")
    assert hoa[11] == roster["hoa"].card_number and hoa[11]
    assert hoa[12] == "Đã đóng"
    lan, mai, nam = rows[2], rows[3], rows[4]
    assert lan[2] == 1960  # only the year is known
    assert lan[12] == "Chưa đóng"
    assert (mai[6], mai[7]) == ("Chi hội Tổ dân phố 1", None)  # attached to the chapter itself
    assert mai[10] == vi(Status.LEFT.label)
    assert (nam[3], nam[6], nam[9]) == (vi(Sex.MALE.label), None, vi(MemberType.HONORARY.label))


def test_roster_is_vietnamese_whatever_the_interface_language(roster, users, tree):
    client = client_for(users["cadre_a"])
    client.cookies["django_language"] = "en"
    response = client.get(reverse("members:export"), {"unit": tree.commune_a.code})
    ws = workbook(response).active
    assert headers_of(ws)[: len(HEADERS)] == HEADERS


def test_csv_utf8_with_bom_same_columns_no_title(roster, users, tree):
    response = export(users["cadre_a"], unit=tree.commune_a.code, format="csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][: len(HEADERS)] == HEADERS
    assert rows[0][len(HEADERS) : len(HEADERS) + 3] == SENSITIVE_HEADERS
    assert [r[1] for r in rows[1:]] == COMMUNE_A_ORDER
    assert rows[2][2] == "05/03/1985" and rows[3][2] == "1960"
    assert rows[2][4] == "019185001245"
    # a text cell a spreadsheet would run as a formula is written as text
    hardship = rows[0].index("Hoàn cảnh khó khăn")
    assert rows[3][hardship] == "'=HYPERLINK(1)"


def test_sensitive_columns_and_full_id_only_for_permitted_roles(roster, users, tree):
    # the cadre holds members.view_sensitive_member at the commune
    ws = workbook(export(users["cadre_a"], unit=tree.commune_a.code)).active
    headers = headers_of(ws)
    assert headers[len(HEADERS) :] == [
        "Dân tộc",
        "Tôn giáo",
        "Đảng viên",
        "Sức khỏe, khuyết tật",
        "Hộ nghèo, cận nghèo",
        "Hoàn cảnh khó khăn",
    ]
    hoa = data_rows(ws)[1]
    assert hoa[4] == "019185001245"
    assert hoa[len(HEADERS) : len(HEADERS) + 3] == ["Tày", "Không", "Có"]
    hardship = headers.index("Hoàn cảnh khó khăn")
    assert data_rows(ws)[2][hardship] == "=HYPERLINK(1)"  # text, not a formula
    assert ws.cell(row=header_row(ws) + 3, column=hardship + 1).data_type == "s"

    # the provincial admin may export but not see sensitive data: masked ID, no such column
    ws = workbook(export(users["admin"], unit=tree.commune_a.code)).active
    assert headers_of(ws) == HEADERS
    assert data_rows(ws)[1][4] == "0191******45"
    values = {str(v) for row in data_rows(ws) for v in row}
    assert not values & {"Tày", "Kinh", "Có", "019185001245"}


def test_chapter_leader_cannot_export(roster, users, tree):
    response = client_for(users["chapter_a1"]).get(reverse("members:export"))
    assert response.status_code == 403


def test_export_follows_the_list_filters(roster, users, tree):
    ws = workbook(export(users["cadre_a"], unit=tree.commune_a.code, dues="yes")).active
    assert [r[1] for r in data_rows(ws)] == ["Phạm Thị Hạnh", "Nguyễn Thị Hoa"]
    rows = data_rows(
        workbook(export(users["cadre_a"], unit=tree.commune_a.code, status="left")).active
    )
    assert [r[1] for r in rows] == ["Lê Thị Mai"]
    ws = workbook(export(users["province_cadre"], q="nguyen thi hoa")).active
    assert [r[1] for r in data_rows(ws)] == ["Nguyễn Thị Hoa"]


def test_sensitive_filter_only_with_the_permission(roster, users, tree):
    ws = workbook(export(users["cadre_a"], unit=tree.commune_a.code, ethnicity="tay")).active
    assert [r[1] for r in data_rows(ws)] == ["Nguyễn Thị Hoa"]
    # ignored, silently, for the admin: the answer says nothing about who is Tày
    ws = workbook(export(users["admin"], unit=tree.commune_a.code, ethnicity="Tày")).active
    assert len(data_rows(ws)) == 5


def test_each_export_writes_one_audit_row(roster, users, tree):
    before = AuditLog.objects.filter(action="member.export").count()
    b"".join(export(users["cadre_a"], unit=tree.commune_a.code, ethnicity="Tày").streaming_content)
    b"".join(export(users["admin"], unit=tree.commune_a.code, format="csv").streaming_content)
    rows = list(AuditLog.objects.filter(action="member.export").order_by("id"))[before:]
    assert len(rows) == 2
    first, second = rows
    assert first.actor == users["cadre_a"] and first.unit == tree.commune_a
    assert first.detail["count"] == 1 and first.detail["sensitive"] is True
    assert first.detail["format"] == "xlsx"
    assert first.detail["filter"]["unit"] == tree.commune_a.code
    # the sensitive value is kept as its keyed hash: the audit log is read by other roles
    assert first.detail["filter"]["sensitive"]["ethnicity"] == services.sensitive_index(
        "ethnicity", "Tày"
    )
    assert "Tày" not in json.dumps(first.detail, ensure_ascii=False)
    assert second.detail == {
        "format": "csv",
        "filter": {"unit": tree.commune_a.code},
        "count": 5,
        "sensitive": False,
    }


def test_export_streams_with_a_bounded_number_of_queries(roster, users, tree, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)  # several chunks even for a small roster
    client = client_for(users["cadre_a"])
    url = reverse("members:export")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"unit": tree.commune_a.code, "format": "csv"})
            body = b"".join(response.streaming_content)
        assert body.count(b"\r\n") > 1
        return len(ctx.captured_queries)

    queries()  # the user's scopes are cached after a first request
    small = queries()
    for i in range(25):
        make_member(tree.group_a1 if i % 2 else tree.chapter_a2, f"Vũ Thị Hương {i}")
    assert queries() == small  # one members query, the units once


def test_sensitive_columns_follow_sensitive_fields():
    assert [c.key for c in exports.COLUMNS if c.sensitive] == list(SENSITIVE_FIELDS)


def test_unit_out_of_scope_is_404_and_bad_format_400(roster, users, tree):
    client = client_for(users["cadre_a"])
    for name in ("members:export", "members:stats", "members:stats_export"):
        for code in (tree.commune_b.code, "NO-SUCH-UNIT"):
            assert client.get(reverse(name), {"unit": code}).status_code == 404, (name, code)
    assert client.get(reverse("members:export"), {"format": "pdf"}).status_code == 400


# --- the filter parser ----------------------------------------------------------------------


def test_filter_from_query_is_forgiving(roster, users, tree):
    query = QueryDict(
        "unit=TN-PHOYEN&q=+hoa+&status=active&status=bogus&status=away&type=honorary&age=31-45"
        "&join_year=2010&dues=yes&card=no&has_smartphone=unknown&cashless=yes&sells_online=maybe"
        "&ethnicity=tay&religion=Phật giáo&party_member=yes&poverty=poor"
    )
    flt = filter_from_query(users["cadre_a"], query)
    assert flt.unit == tree.commune_a
    assert (flt.q, flt.status, flt.member_type, flt.age_band) == (
        "hoa",
        ["active", "away"],
        "honorary",
        "31-45",
    )
    assert (flt.join_year, flt.dues_paid, flt.card_issued) == (2010, True, False)
    assert flt.indicators == {"has_smartphone": None, "cashless": True}
    assert flt.sensitive == {
        "ethnicity": "Tày",
        "religion": "Phật giáo",
        "party_member": "Có",
        "poverty": "Hộ nghèo",
    }
    # without the permission the sensitive keys are dropped, not refused
    chapter_query = query.copy()
    chapter_query["unit"] = tree.chapter_a1.code
    flt = filter_from_query(users["chapter_a1"], chapter_query)
    assert flt.sensitive == {} and flt.unit == tree.chapter_a1
    flt = filter_from_query(users["cadre_a"], {"join_year": "abc", "age": "x", "dues": "maybe"})
    assert (flt.unit, flt.join_year, flt.age_band, flt.dues_paid) == (None, None, "", None)
    with pytest.raises(Http404):
        filter_from_query(users["cadre_a"], {"unit": tree.commune_b.code})


# --- statistics -----------------------------------------------------------------------------


def test_statistics_counts(roster, users, tree, settings):
    settings.DIGITAL_ACTIVE_MIN = 3
    stats = member_stats(users["province_cadre"], tree.province)
    assert (stats.records, stats.current, stats.active) == (6, 5, 5)
    assert {s.key: s.count for s in stats.by_status} == {
        "active": 5,
        "away": 0,
        "transferred": 0,
        "left": 1,
        "deceased": 0,
    }
    assert (stats.paid, stats.carded, stats.digital) == (2, 1, 1)
    assert stats.sensitive is None
    assert stats.paid_percent == 40.0
    assert {s.key: s.count for s in stats.by_type} == {"regular": 4, "honorary": 1}
    assert {s.key: s.count for s in stats.by_age} == {
        "18-30": 0,
        "31-45": 3,
        "46-60": 1,
        "61+": 1,
    }
    occupations = {s.key: s.count for s in stats.by_occupation}
    assert occupations["farmer"] == 2 and occupations[""] == 3
    assert [(s.key, s.count) for s in stats.by_join_year] == [("2010", 5)]
    indicators = {r.name: (r.yes, r.no, r.unknown) for r in stats.indicators}
    assert indicators["has_smartphone"] == (2, 0, 3)
    assert indicators["sells_online"] == (0, 1, 4)
    children = {r.label: r for r in stats.children}
    assert list(children) == ["Hội LHPN phường Phổ Yên", "Hội LHPN xã Đại Từ"]
    a = children["Hội LHPN phường Phổ Yên"]
    assert (a.current, a.active, a.paid, a.carded, a.digital) == (4, 4, 2, 1, 1)
    assert a.paid_percent == 50.0 and a.carded_percent == 25.0
    assert children["Hội LHPN xã Đại Từ"].current == 1

    # one level down: the chapters, and the members attached to the commune itself
    stats = member_stats(users["cadre_a"], tree.commune_a)
    rows = {r.label: r.current for r in stats.children}
    assert rows == {
        "Chi hội Tổ dân phố 1": 2,
        "Chi hội Tổ dân phố 2": 1,
        "Trực thuộc Hội LHPN phường Phổ Yên": 1,
    }
    settings.DIGITAL_ACTIVE_MIN = 2
    assert member_stats(users["cadre_a"], tree.commune_a).digital == 2


def test_statistics_page_in_a_handful_of_queries(
    roster, users, tree, django_assert_max_num_queries
):
    client = client_for(users["province_cadre"])
    client.get(reverse("members:stats"))  # session and scope caches warm
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:stats"), {"unit": tree.province.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hội LHPN phường Phổ Yên" in html
    # sensitive breakdowns on request only: one more query, and an audit row
    assert 'data-testid="stats-sensitive"' not in html and 'data-testid="show-sensitive"' in html
    with django_assert_max_num_queries(16):  # + the audit row (savepoint, insert, release)
        response = client.get(reverse("members:stats"), {"unit": "TN", "sensitive": "1"})
    assert 'data-testid="stats-sensitive"' in response.content.decode()
    assert AuditLog.objects.filter(action="member.stats_sensitive", unit=tree.province).count() == 1


def test_statistics_default_to_the_users_top_unit(roster, users, tree):
    response = client_for(users["chapter_a1"]).get(reverse("members:stats"))
    assert response.status_code == 200
    assert response.context["unit"] == tree.chapter_a1
    assert response.context["stats"].current == 2


def test_small_counts_suppressed_with_a_complement():
    cells = suppress_line([("Kinh", 120), ("Tày", 3), ("Nùng", 40), ("Khác", 9)])
    assert [c.state for c in cells] == [SHOWN, SMALL, SHOWN, COMPLEMENT]
    assert [c.text for c in cells] == ["120", "<5", "40", "x"]
    # two small cells that could be anything: nothing more to hide
    cells = suppress_line([("a", 50), ("b", 1), ("c", 3), ("d", 7)])
    assert [c.state for c in cells] == [SHOWN, SMALL, SMALL, SHOWN]
    # two small cells whose sum (8) forces both to be 4: a complement is needed
    cells = suppress_line([("a", 50), ("b", 4), ("c", 4), ("d", 7)])
    assert [c.state for c in cells] == [SHOWN, SMALL, SMALL, COMPLEMENT]
    assert suppress_line([("a", 0)])[0].text == "<5"
    assert [c.text for c in suppress_line([("a", 1234), ("b", 5)])] == ["1.234", "5"]


def test_sensitive_breakdown_suppressed_in_html_and_excel(roster, users, tree):
    for i in range(6):
        make_member(tree.chapter_a2, f"Đinh Thị Thu {i}", sensitive={"ethnicity": "Kinh"})
    assert member_stats(users["cadre_a"], tree.commune_a).sensitive is None  # not asked for
    stats = member_stats(users["cadre_a"], tree.commune_a, with_sensitive=True)
    assert stats.sensitive is not None
    ethnicity = next(r for r in stats.sensitive if r.name == "ethnicity")
    cells = {c.label: c for c in ethnicity.cells}
    assert cells["Kinh"].text == "7"  # shown
    assert cells["Tày"].text == "<5"  # one member
    assert ethnicity.total == stats.current == 10
    assert sum(c.count for c in ethnicity.cells) == 10
    party = {
        c.label: c.text for c in next(r for r in stats.sensitive if r.name == "party_member").cells
    }
    assert party["Đảng viên"] == "<5"

    client = client_for(users["cadre_a"])
    query = {"unit": tree.commune_a.code, "sensitive": "1"}
    html = client.get(reverse("members:stats"), query).content.decode()
    assert 'data-testid="stats-sensitive"' in html and "&lt;5" in html
    book = load_workbook(io.BytesIO(b"".join(client.get(reverse("members:stats_export"), query))))
    assert "Nhạy cảm (tổng hợp)" in book.sheetnames
    sensitive = [v for row in book["Nhạy cảm (tổng hợp)"].iter_rows(values_only=True) for v in row]
    assert "<5" in sensitive and "Tày" in sensitive


def test_no_sensitive_breakdown_without_the_permission(roster, users, tree):
    user = make_user("quantri_phoyen", "admin", tree.commune_a)  # may export, not see sensitive
    for who in (users["chapter_a1"], user):
        client = client_for(who)
        response = client.get(reverse("members:stats"), {"sensitive": "1"})  # ignored
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="stats-sensitive"' not in html
        assert 'data-testid="show-sensitive"' not in html
        assert "Tày" not in html and "Dân tộc" not in html
        assert response.context["stats"].sensitive is None
        excel = client.get(reverse("members:stats_export"), {"sensitive": "1"})
        book = load_workbook(io.BytesIO(b"".join(excel)))
        assert book.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo năm vào Hội"]
        cells = {str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row}
        assert not cells & {"Tày", "Kinh", "Dân tộc", "Đảng viên", "<5"}


def test_statistics_export_is_audited(roster, users, tree):
    client = client_for(users["cadre_a"])
    response = client.get(reverse("members:stats_export"), {"unit": tree.commune_a.code})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response)))
    assert book.sheetnames[:3] == ["Tổng hợp", "Theo đơn vị", "Theo năm vào Hội"]
    row = AuditLog.objects.filter(action="member.stats_export").get()
    assert row.detail == {"unit": tree.commune_a.code, "sensitive": False}
    assert "Nhạy cảm (tổng hợp)" not in book.sheetnames  # not asked for


def test_the_importer_reads_the_roster_back(roster, users, tree, capsys, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"".join(export(users["cadre_a"], unit=tree.commune_a.code).streaming_content))
    with pytest.raises(SystemExit):  # exit code 1: invalid rows, nothing written
        call_command(
            "import_members", str(path), "--unit", tree.commune_a.code, "--dry-run", "--json"
        )
    report = json.loads(capsys.readouterr().out)
    # every row parses (title block, STT, dates, year alone, chapter and group columns); the one
    # problem is the member who is already active with the same ID number (sheet row 10)
    assert [(e["row"], e["column"]) for e in report["invalid"]] == [(10, "id_number")]
