"""The tree in the UI and the API: search, create, import through the preview, API paging."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from hoiso.org.models import Unit
from tests.conftest import client_for


def test_folded_search_finds_units_typed_without_diacritics(users, tree):
    page = (
        client_for(users["leader"]).get(reverse("org:unit_tree"), {"q": "dai tu"}).content.decode()
    )
    assert "Hội LHPN xã Đại Từ" in page and "Phổ Yên" not in page


def test_search_stays_inside_the_scope(users, tree):
    page = (
        client_for(users["cadre_a"])
        .get(reverse("org:unit_tree"), {"q": "chi hoi"})
        .content.decode()
    )
    assert "Chi hội Tổ dân phố 1" in page and "Đồng Tâm" not in page


def test_create_child_with_a_taken_code_is_refused_and_nothing_written(users, tree):
    client = client_for(users["cadre_a"])
    from hoiso.org.models import Level

    count = Unit.objects.count()
    response = client.post(
        reverse("org:unit_create", args=[tree.commune_a.code]),
        {
            "code": "TN-DAITU",
            "name": "Chi hội mới",
            "level": Level.objects.get(code="chi-hoi").pk,
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "TN-DAITU" in response.content.decode()
    assert Unit.objects.count() == count
    ok = client.post(
        reverse("org:unit_create", args=[tree.commune_a.code]),
        {
            "code": "TN-PHOYEN-CH3",
            "name": "chi hội tổ dân phố 3",
            "level": Level.objects.get(code="chi-hoi").pk,
            "valid_from": "2026-01-01",
        },
    )
    assert ok.status_code == 302
    assert Unit.objects.get(code="TN-PHOYEN-CH3").parent_id == tree.commune_a.pk


def roster(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["HỘI LHPN TỈNH THÁI NGUYÊN"])
    ws.append(["DANH SÁCH ĐƠN VỊ"])
    ws.append(["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_ui_import_previews_errors_then_imports_only_when_confirmed(users, tree):
    client = client_for(users["province_cadre"])
    data = roster(
        [
            ["TN-PHOYEN-CH9", "Chi hội Tổ dân phố 9", "Chi hội", "TN-PHOYEN"],
            ["TN-PHOYEN-CH9-T1", "Tổ phụ nữ số 1", "Tổ phụ nữ", "TN-PHOYEN-CH9"],
            ["", "Chi hội không mã", "Chi hội", "TN-PHOYEN"],
        ]
    )
    upload = SimpleUploadedFile("don-vi.xlsx", data)
    preview = client.post(reverse("org:unit_import"), {"file": upload})
    page = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="import-report"' in page
    assert "<td>6</td>" in page  # the sheet row of the bad line
    assert not Unit.objects.filter(code="TN-PHOYEN-CH9").exists()
    token = preview.context["token"]
    # confirming while rows are invalid writes nothing
    again = client.post(reverse("org:unit_import"), {"token": token, "confirm": "1"})
    assert again.status_code == 200 and not Unit.objects.filter(code="TN-PHOYEN-CH9").exists()
    # "import only the valid rows"
    done = client.post(
        reverse("org:unit_import"), {"token": token, "confirm": "1", "skip_invalid": "1"}
    )
    assert done.status_code == 302
    group = Unit.objects.get(code="TN-PHOYEN-CH9-T1")
    assert group.parent.code == "TN-PHOYEN-CH9" and group.path.startswith(tree.commune_a.path)


def test_ui_import_rejects_a_file_it_cannot_read(users):
    client = client_for(users["province_cadre"])
    response = client.post(
        reverse("org:unit_import"), {"file": SimpleUploadedFile("x.xlsx", b"not excel")}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_api_lists_a_subtree_with_keyset_pages(users, tree):
    client = client_for(users["leader"])
    first = client.get(reverse("api:unit_list"), {"under": "TN-PHOYEN", "limit": 2}).json()
    assert [u["code"] for u in first["items"]] == ["TN-PHOYEN", "TN-PHOYEN-CH1"]
    rest = client.get(
        reverse("api:unit_list"), {"under": "TN-PHOYEN", "limit": 2, "after": first["next_cursor"]}
    ).json()
    assert [u["code"] for u in rest["items"]] == ["TN-PHOYEN-CH1-T1", "TN-PHOYEN-CH2"]
    assert rest["next_cursor"] is None
    assert first["items"][1]["parent"] == "TN-PHOYEN" and first["items"][1]["level"] == "chi-hoi"


def test_api_scope_and_search(users, tree):
    client = client_for(users["cadre_a"])
    codes = {
        u["code"] for u in client.get(reverse("api:unit_list"), {"limit": 100}).json()["items"]
    }
    assert codes == {"TN-PHOYEN", "TN-PHOYEN-CH1", "TN-PHOYEN-CH2", "TN-PHOYEN-CH1-T1"}
    found = client.get(reverse("api:unit_list"), {"q": "to dan pho 2"}).json()["items"]
    assert [u["code"] for u in found] == ["TN-PHOYEN-CH2"]
    assert client.get(reverse("api:unit_list"), {"under": "TN-DAITU"}).status_code == 404


def test_api_lineage_after_merge(users, tree):
    import datetime as dt

    from hoiso.org.services import unit_merge

    unit_merge(
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Xã Mới",
        new_code="TN-MOI",
        effective_date=dt.date(2026, 7, 1),
    )
    events = client_for(users["leader"]).get(reverse("api:unit_lineage", args=["TN-DAITU"])).json()
    merge = next(e for e in events if e["kind"] == "merge")
    roles = {(u["code"], u["role"]) for u in merge["units"]}
    assert ("TN-MOI", "target") in roles and ("TN-DAITU", "source") in roles


def test_openapi_schema_and_docs_are_served(db, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/units/" in schema["paths"] or "/api/v1/units" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_docs_page_loads_no_outside_asset(db, client):
    page = client.get("/api/v1/docs").content.decode()
    assert "https://" not in page and "http://" not in page
