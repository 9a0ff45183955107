"""Member screens and API: forms with bad input, sensitive data, transfers, dues, self-service."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from hoiso.core.models import AuditLog
from hoiso.members.models import ChangeRequest, DuesPayment, Member, Transfer
from tests.conftest import client_for
from tests.members.conftest import make_member


def test_create_with_bad_input_shows_field_errors_and_writes_nothing(users, tree):
    client = client_for(users["cadre_a"])
    response = client.post(
        reverse("members:member_create"),
        {
            "unit": tree.chapter_a1.pk,
            "full_name": "Lê Thị Nhỏ",
            "birth_date": "2015-01-01",
            "sex": "F",
            "member_type": "regular",
            "id_number": "019185001234",
            "phone": "12",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="errorlist"') >= 3  # age, id number, phone: each at its field
    assert Member.objects.count() == 0
    ok = client.post(
        reverse("members:member_create"),
        {
            "unit": tree.chapter_a1.pk,
            "full_name": "lê thị nhỏ",
            "birth_date": "1990-01-01",
            "sex": "F",
            "member_type": "regular",
            "phone": "0912 345 679",
        },
    )
    assert ok.status_code == 302
    assert Member.objects.get().full_name == "Lê Thị Nhỏ"


def test_commune_cadre_cannot_register_in_another_commune(users, tree):
    client = client_for(users["cadre_a"])
    response = client.post(
        reverse("members:member_create"),
        {
            "unit": tree.chapter_b1.pk,
            "full_name": "X",
            "birth_year": "1990",
            "sex": "F",
            "member_type": "regular",
        },
    )
    assert response.status_code == 200  # not among her choices
    assert Member.objects.count() == 0


def test_sensitive_values_absent_without_permission_in_html_and_json(users, tree):
    member = make_member(
        tree.chapter_a1,
        "Ma Thị Nhung",
        id_number="019185001245",
        sensitive={"ethnicity": "Tày", "religion": "Phật giáo"},
    )
    chapter = client_for(users["chapter_a1"])
    page = chapter.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    assert "Tày" not in page and "Phật giáo" not in page and "019185001245" not in page
    assert "0191******45" in page
    data = chapter.get(reverse("api:member_detail", args=[member.pk])).json()
    assert "sensitive" not in data and "Tày" not in str(data) and "019185001245" not in str(data)
    edit = chapter.get(reverse("members:member_edit", args=[member.pk])).content.decode()
    assert "Tày" not in edit and "019185001245" not in edit and 'name="ethnicity"' not in edit
    cadre = client_for(users["cadre_a"])
    page = cadre.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    assert "Tày" in page
    assert (
        cadre.get(reverse("api:member_detail", args=[member.pk])).json()["sensitive"]["ethnicity"]
        == "Tày"
    )
    views = AuditLog.objects.filter(action="member.view", object_id=str(member.pk))
    assert views.count() == 4
    assert {row.detail["sensitive"] for row in views} == {True, False}


def test_edit_keeps_the_id_number_when_left_empty_and_shows_history(users, tree):
    member = make_member(tree.chapter_a1, "Lê Thị Mai", id_number="019185001245")
    client = client_for(users["cadre_a"])
    response = client.post(
        reverse("members:member_edit", args=[member.pk]),
        {
            "unit": tree.chapter_a1.pk,
            "full_name": "Lê Thị Mai",
            "birth_date": "1985-03-05",
            "sex": "F",
            "member_type": "regular",
            "phone": "0987654321",
            "id_number": "",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "0987654321" and member.id_number_hint == "0191******45"
    page = client.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    history = page[page.index('data-testid="history"') :]
    # who changed it (the cadre), and the change itself, before → after
    assert "Nguyễn Thị Hoa" in history and "<code>phone</code>" in history
    assert "0987654321" in history


def test_transfer_through_the_screens_across_two_communes(users, tree):
    member = make_member(tree.chapter_a1, "Phạm Thị Hạnh")
    sender = client_for(users["cadre_a"])
    options = sender.get(reverse("members:unit_options"), {"to_unit": "dong tam"}).content.decode()
    assert tree.chapter_b1.code in options  # another commune, found for the transfer
    response = sender.post(
        reverse("members:member_transfer", args=[member.pk]),
        {
            "to_unit": f"{tree.chapter_b1.name} ({tree.chapter_b1.code})",
            "reason": "Kết hôn",
            "date": "2026-05-01",
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    receiver = client_for(users["cadre_b"])
    inbox = receiver.get(reverse("members:transfer_list")).content.decode()
    assert "Phạm Thị Hạnh" in inbox and 'value="accept"' in inbox
    # the sender cannot decide for the receiver
    assert (
        sender.post(
            reverse("members:transfer_decide", args=[transfer.pk]), {"decision": "accept"}
        ).status_code
        == 403
    )
    receiver.post(reverse("members:transfer_decide", args=[transfer.pk]), {"decision": "accept"})
    assert Member.objects.get(pk=member.pk).unit == tree.chapter_b1
    assert receiver.get(reverse("members:member_detail", args=[member.pk])).status_code == 200
    assert sender.get(reverse("members:member_detail", args=[member.pk])).status_code == 404


def test_unknown_receiving_unit_is_a_field_error(users, tree):
    member = make_member(tree.chapter_a1, "Phạm Thị Hạnh")
    response = client_for(users["cadre_a"]).post(
        reverse("members:member_transfer", args=[member.pk]),
        {"to_unit": "KHONG-CO", "reason": "Kết hôn", "date": "2026-05-01"},
    )
    assert response.status_code == 200 and Transfer.objects.count() == 0


def test_bulk_dues_for_a_chapter(users, tree, dues_rate):
    members = [make_member(tree.chapter_a1, f"Hội Viên {c}") for c in "ABC"]
    client = client_for(users["chapter_a1"])
    page = client.get(reverse("members:dues"), {"unit": tree.chapter_a1.code, "year": 2026})
    assert page.status_code == 200 and "12000" in page.content.decode()
    response = client.post(
        reverse("members:dues"),
        {
            "unit": tree.chapter_a1.code,
            "year": 2026,
            "paid_on": "2026-03-01",
            "member": [members[0].pk, members[1].pk],
        },
    )
    assert response.status_code == 302
    assert set(DuesPayment.objects.values_list("member_id", flat=True)) == {
        members[0].pk,
        members[1].pk,
    }


def test_self_service_by_phone(users, tree):
    member = make_member(tree.chapter_a1, "Lò Thị Hương", phone="0977000111")
    other = make_member(tree.chapter_a1, "Lê Thị Mai")
    cadre = client_for(users["cadre_a"])
    cadre.post(
        reverse("members:member_enable_login", args=[member.pk]), {"password": "Hv-2026-matkhau"}
    )
    member.refresh_from_db()
    assert member.user is not None
    client = Client()
    assert (
        client.post(
            reverse("accounts:login"), {"username": "0977 000 111", "password": "Hv-2026-matkhau"}
        ).status_code
        == 302
    )
    home = client.get(reverse("members:my_profile")).content.decode()
    assert "Lò Thị Hương" in home
    response = client.post(
        reverse("members:my_profile"),
        {
            "form": "contact",
            "phone": "0977000222",
            "zalo": "huong",
            "email": "",
            "residence_detail": "",
            "request": "Sửa ngày sinh thành 02/03/1990",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "0977000222" and member.self_updated_at is not None
    assert ChangeRequest.objects.get(member=member).changes == {
        "text": "Sửa ngày sinh thành 02/03/1990"
    }
    client.post(
        reverse("members:my_profile"),
        {"form": "digital", "has_smartphone": "yes", "vneid_level2": "no"},
    )
    member.refresh_from_db()
    assert member.has_smartphone is True and member.vneid_level2 is False
    # she sees her own record only
    assert client.get(reverse("members:member_detail", args=[other.pk])).status_code == 404
    assert [m["id"] for m in client.get(reverse("api:member_list")).json()["items"]] == [member.pk]


def test_self_service_rejects_a_bad_phone_and_keeps_the_old_one(users, tree):
    member = make_member(tree.chapter_a1, "Lò Thị Hương", phone="0977000111")
    from hoiso.members import services

    services.member_enable_login(actor=None, member=member, password="Hv-2026-matkhau")
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "0977000111", "password": "Hv-2026-matkhau"}
    )
    response = client.post(
        reverse("members:my_profile"),
        {
            "form": "contact",
            "phone": "123",
            "zalo": "",
            "email": "",
            "residence_detail": "",
            "request": "",
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "0977000111"


def test_api_create_reports_field_errors_and_writes_nothing(users, tree):
    client = client_for(users["cadre_a"])
    response = client.post(
        reverse("api:member_create"),
        {
            "unit": tree.chapter_a1.code,
            "full_name": "A",
            "birth_year": 2015,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "member_type" in response.json()["detail"]
    assert Member.objects.count() == 0


def test_status_change_with_reason(users, tree):
    member = make_member(tree.chapter_a1, "Lê Thị Mai")
    client_for(users["cadre_a"]).post(
        reverse("members:member_status", args=[member.pk]),
        {"status": "deceased", "date": "2026-02-01", "reason": "Từ trần"},
    )
    member.refresh_from_db()
    assert member.status == "deceased" and member.status_date == dt.date(2026, 2, 1)


def test_positions_with_terms(users, tree):
    member = make_member(tree.chapter_a1, "Lê Thị Mai")
    client = client_for(users["cadre_a"])
    client.post(
        reverse("members:member_position", args=[member.pk]),
        {"title": "Chi hội trưởng", "start": "2022-01-01"},
    )
    position = member.positions.get()
    assert position.title == "Chi hội trưởng" and position.end is None
    bad = client.post(
        reverse("members:member_position", args=[member.pk]),
        {"title": "Chi hội phó", "start": "2022-01-01", "end": "2021-01-01"},
    )
    assert bad.status_code == 302 and member.positions.count() == 1
    client.post(reverse("members:member_position", args=[member.pk]), {"end_position": position.pk})
    position.refresh_from_db()
    assert position.end is not None


def test_api_import_reports_like_the_command(users, tree):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỘI VIÊN"])
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Số CCCD"])
    ws.append([1, "NGUYỄN THỊ HOA", "05/03/1985", "019185001245"])
    ws.append([2, "Trần Thị Lan", "05/03/2015", ""])
    out = io.BytesIO()
    wb.save(out)
    client = client_for(users["cadre_a"])
    url = reverse("api:member_import")
    report = client.post(
        url, {"unit": tree.chapter_a1.code, "file": SimpleUploadedFile("ds.xlsx", out.getvalue())}
    ).json()
    assert report["imported"] == 0 and [i["row"] for i in report["invalid"]] == [4]
    assert Member.objects.count() == 0
    report = client.post(
        url,
        {
            "unit": tree.chapter_a1.code,
            "skip_invalid": "true",
            "file": SimpleUploadedFile("ds.xlsx", out.getvalue()),
        },
    ).json()
    assert report["imported"] == 1
    assert Member.objects.get().full_name == "Nguyễn Thị Hoa"
    outside = client.post(
        url, {"unit": tree.chapter_b1.code, "file": SimpleUploadedFile("ds.xlsx", out.getvalue())}
    )
    assert outside.status_code == 404


def test_digital_answers_in_bulk_for_a_chapter(users, tree):
    members = [make_member(tree.chapter_a1, f"Hội Viên {c}") for c in "ABC"]
    members[2].vneid_level2 = True
    members[2].save()
    client = client_for(users["chapter_a1"])
    assert (
        client.get(reverse("members:digital_bulk"), {"unit": tree.chapter_a1.code}).status_code
        == 200
    )
    data = {
        "unit": tree.chapter_a1.code,
        "member": [members[0].pk, members[2].pk],
        "has_smartphone": "yes",
        "digital_training": "no",
    }
    data |= dict.fromkeys(
        ("vneid_level2", "uses_public_services", "cashless", "sells_online"), "keep"
    )
    assert client.post(reverse("members:digital_bulk"), data).status_code == 302
    a, b, c = (Member.objects.get(pk=m.pk) for m in members)
    assert a.has_smartphone is True and a.digital_training is False and a.vneid_level2 is None
    assert b.has_smartphone is None
    assert c.has_smartphone is True and c.vneid_level2 is True  # "leave as it is" kept it
