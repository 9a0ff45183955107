"""Member cards: numbers, the card page, PDFs, the QR code and the public verification page."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import resolve, reverse
from PIL import Image

from hoiso.core.models import AuditLog
from hoiso.members import services
from hoiso.members.cards import pdf as card_pdf
from hoiso.members.cards.tokens import SALT, Verdict, card_check, card_token, verify_url
from hoiso.members.models import Member
from tests.conftest import Tree, client_for
from tests.members.conftest import make_member

CCCD = "019185001245"  # Thái Nguyên, woman born 1985 (agrees with make_member's birth date)


# --- helpers, also used by the access matrix (tests/test_permission_matrix.py) --------------


def carded(unit_attr: str) -> Callable[[Tree, dict[str, Any]], list[int]]:
    """Args for a card route: a member of ``unit_attr`` holding a card in force."""

    def make(t: Tree, u: dict[str, Any]) -> list[int]:
        unit = getattr(t, unit_attr)
        member = make_member(unit, f"Đỗ Thị Thẻ {unit.pk}")
        return [services.card_issue(actor=None, member=member).pk]

    return make


def own_card(t: Tree, u: dict[str, Any]) -> list[int]:
    """Give the ``member`` user a member record with a card (no args for members:my_card)."""
    user = u["member"]
    member = Member.objects.filter(user=user).first()
    if member is None:
        member = make_member(t.chapter_a1, "Phạm Thị Hạnh")
        # No service links an existing record to an account here; the model field is enough.
        Member.objects.filter(pk=member.pk).update(user=user)
    services.card_issue(actor=None, member=member)
    return []


def issued(unit: Any, name: str, **extra: Any) -> Member:
    return services.card_issue(actor=None, member=make_member(unit, name, **extra))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def token_of(url: str) -> str:
    match = resolve(urlsplit(url).path)
    assert match.view_name == "members:card_verify"
    return str(match.kwargs["token"])


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """Read the modules back out of segno's SVG path ("M2 2.5h7m4 0h3m-41 1h1…")."""
    import re

    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, args in re.findall(r"([MmHh])([-\d. ]+)", path.group(1)):
        nums = [float(n) for n in args.split()]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            dark |= {(int(y), int(x) + i) for i in range(int(nums[0]))}
            x += nums[0]
    return dark


def verdict_of(response: Any) -> str:
    html = response.content.decode()
    start = html.index('data-verdict="') + len('data-verdict="')
    return html[start : html.index('"', start)]


# --- numbers --------------------------------------------------------------------------------


def test_numbers_follow_province_commune_serial(tree: Tree) -> None:
    a1 = issued(tree.chapter_a1, "Hoàng Thị Thu")
    a_group = issued(tree.group_a1, "Vũ Thị Hương")  # a group counts under its commune
    a_direct = issued(tree.commune_a, "Lý Thị Nga")
    b1 = issued(tree.chapter_b1, "Đinh Thị Hà")
    assert [a1.card_number, a_group.card_number, a_direct.card_number] == [
        "TN-PHOYEN-000001",
        "TN-PHOYEN-000002",
        "TN-PHOYEN-000003",
    ]
    assert b1.card_number == "TN-DAITU-000001"
    # re-issuing (after a revocation) keeps the number; the next member gets the next serial
    services.card_revoke(actor=None, member=a_group, reason="mất thẻ")
    again = services.card_issue(actor=None, member=a_group)
    assert again.card_number == "TN-PHOYEN-000002"
    assert issued(tree.chapter_a2, "Mai Thị Lan").card_number == "TN-PHOYEN-000004"


# --- the card page ---------------------------------------------------------------------------


def test_card_page_shows_the_card_with_the_qr_of_its_verification_url(
    tree: Tree, users: dict[str, Any], settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://hoiso.example.vn"
    member = issued(tree.group_a1, "Nguyễn Thị Hoa")
    client = client_for(users["cadre_a"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("members:card", args=[member.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    url = verify_url(member)
    assert url.startswith("https://hoiso.example.vn/members/cards/v/")
    # the page draws exactly the modules of that URL's QR code (4-module quiet zone)
    assert card_pdf.qr_svg(url) in html
    expected = segno.make(url, error="m")
    drawn = {
        (r, c)
        for r, row in enumerate(expected.matrix_iter(border=4))
        for c, bit in enumerate(row)
        if bit
    }
    assert dark_modules(card_pdf.qr_svg(url)) == drawn
    assert url in html
    assert card_check(token_of(url)).verdict == Verdict.VALID
    for text in ("Nguyễn Thị Hoa", "1985", "TN-PHOYEN-000001", "Chi hội Tổ dân phố 1"):
        assert text in html
    assert "Hội LHPN phường Phổ Yên" in html
    assert member.card_issued_on is not None
    assert member.card_issued_on.strftime("%d/%m/%Y") in html
    assert "NH" in html  # no photo: the initials block
    row = AuditLog.objects.get(action="member.card_view")
    assert row.actor == users["cadre_a"] and row.object_id == str(member.pk)
    assert row.unit == tree.group_a1


def test_card_page_without_a_card_offers_to_issue_it(tree: Tree, users: dict[str, Any]) -> None:
    member = make_member(tree.chapter_a1, "Trịnh Thị Yến")
    html = client_for(users["cadre_a"]).get(reverse("members:card", args=[member.pk]))
    body = html.content.decode()
    assert 'data-testid="card-issue"' in body and "<svg" not in body
    # a chapter leader sees the card but may not issue it
    body = client_for(users["chapter_a1"]).get(reverse("members:card", args=[member.pk]))
    assert body.status_code == 200 and 'data-testid="card-issue"' not in body.content.decode()


def test_issue_and_revoke_through_the_views(tree: Tree, users: dict[str, Any]) -> None:
    member = make_member(tree.chapter_a1, "Trịnh Thị Yến")
    client = client_for(users["cadre_a"])
    response = client.post(reverse("members:card_issue", args=[member.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.card_status == "issued" and member.card_number == "TN-PHOYEN-000001"
    # a revocation needs its reason
    client.post(reverse("members:card_revoke", args=[member.pk]), {"reason": " "})
    member.refresh_from_db()
    assert member.card_status == "issued"
    client.post(reverse("members:card_revoke", args=[member.pk]), {"reason": "Mất thẻ"})
    member.refresh_from_db()
    assert member.card_status == "revoked"
    row = AuditLog.objects.get(action="member.card_revoke")
    assert row.actor == users["cadre_a"] and row.detail == {"reason": "Mất thẻ"}
    page = client.get(reverse("members:card", args=[member.pk])).content.decode()
    assert "TN-PHOYEN-000001" in page and "<svg" not in page


def test_issue_is_refused_for_a_member_who_left(tree: Tree, users: dict[str, Any]) -> None:
    import datetime as dt

    member = make_member(tree.chapter_a1, "Trịnh Thị Yến")
    services.member_set_status(
        actor=None, member=member, status="left", date=dt.date(2026, 1, 1), reason="xin ra"
    )
    client = client_for(users["cadre_a"])
    response = client.post(reverse("members:card_issue", args=[member.pk]), follow=True)
    member.refresh_from_db()
    assert member.card_status == "none" and not member.card_number
    assert "error" in response.content.decode()


def test_issue_needs_the_permission_at_the_members_unit(tree: Tree, users: dict[str, Any]) -> None:
    member = make_member(tree.chapter_a1, "Trịnh Thị Yến")
    other = make_member(tree.chapter_b1, "Đinh Thị Hà")
    assert (
        client_for(users["chapter_a1"])
        .post(reverse("members:card_issue", args=[member.pk]))
        .status_code
        == 403
    )
    assert (
        client_for(users["cadre_a"])
        .post(reverse("members:card_issue", args=[other.pk]))
        .status_code
        == 404
    )
    member.refresh_from_db()
    other.refresh_from_db()
    assert member.card_status == other.card_status == "none"


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_card_is_a_real_pdf_with_the_text_on_it(tree: Tree, users: dict[str, Any]) -> None:
    member = issued(
        tree.chapter_a1, "Nguyễn Thị Hoa", id_number=CCCD, sensitive={"ethnicity": "Tày"}
    )
    client = client_for(users["cadre_a"])
    response = client.get(reverse("members:card_pdf", args=[member.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    data = response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for wanted in ("Nguyễn Thị Hoa", "TN-PHOYEN-000001", "HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM"):
        assert wanted in text, text
    assert "1985" in text and "Chi hội Tổ dân phố 1" in text
    assert CCCD not in text and "0191" not in text and "Tày" not in text
    row = AuditLog.objects.get(action="member.card_pdf")
    assert row.actor == users["cadre_a"] and row.object_id == str(member.pk)


def test_pdf_at_card_size(tree: Tree, users: dict[str, Any]) -> None:
    from pypdf import PdfReader

    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    response = client_for(users["cadre_a"]).get(
        reverse("members:card_pdf", args=[member.pk]) + "?size=card"
    )
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 1
    box = pages[0].mediabox
    mm = 72 / 25.4
    assert abs(float(box.width) - 85.6 * mm) < 1 and abs(float(box.height) - 54 * mm) < 1


def test_pdf_of_a_revoked_card_is_not_printed(tree: Tree, users: dict[str, Any]) -> None:
    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    services.card_revoke(actor=None, member=member, reason="mất thẻ")
    response = client_for(users["cadre_a"]).get(reverse("members:card_pdf", args=[member.pk]))
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="member.card_pdf").exists()


def test_photo_is_embedded_not_fetched(
    tree: Tree, users: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    buf = io.BytesIO()
    Image.new("RGB", (1200, 1600), (200, 30, 80)).save(buf, format="PNG")
    # No photo service exists yet: the field is written directly.
    member.photo.save("hoa.png", ContentFile(buf.getvalue()), save=True)
    face = card_pdf.card_faces([member])[0]
    assert face.photo.startswith("data:image/jpeg;base64,")
    assert len(face.photo) < 200_000  # shrunk before embedding
    data = card_pdf.render_pdf([face])
    assert data.startswith(b"%PDF") and b"/Image" in data
    page = client_for(users["cadre_a"]).get(reverse("members:card", args=[member.pk]))
    assert "data:image/jpeg;base64," in page.content.decode()


def test_sheet_prints_every_card_in_force_under_a_chapter(
    tree: Tree, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from pypdf import PdfReader

    names = [f"Nguyễn Thị Số {i}" for i in range(10)]
    for name in names:
        issued(tree.chapter_a1, name)
    revoked = issued(tree.chapter_a1, "Hà Thị Thu Hồi")
    services.card_revoke(actor=None, member=revoked, reason="mất thẻ")
    make_member(tree.chapter_a1, "Lò Thị Chưa Thẻ")
    issued(tree.chapter_a2, "Cầm Thị Khác Chi Hội")
    client = client_for(users["cadre_a"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("members:card_batch_pdf", args=[tree.chapter_a1.code]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2  # 8 cards per A4 page
    text = pdf_text(response.content)
    assert all(name in text for name in names)
    assert "Thu Hồi" not in text and "Chưa Thẻ" not in text and "Khác Chi Hội" not in text
    row = AuditLog.objects.get(action="member.card_sheet_pdf")
    assert row.unit == tree.chapter_a1 and row.detail["count"] == 10
    assert len(row.detail["members"]) == 10


def test_sheet_with_nothing_or_too_much_to_print_explains(
    tree: Tree, users: dict[str, Any], monkeypatch: Any
) -> None:
    client = client_for(users["cadre_a"])
    empty = client.get(reverse("members:card_batch_pdf", args=[tree.chapter_a2.code]))
    assert empty.status_code == 200 and empty["Content-Type"].startswith("text/html")
    issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    issued(tree.chapter_a2, "Nguyễn Thị Lan")
    monkeypatch.setattr("hoiso.members.cards.views.MAX_SHEET_CARDS", 1)
    big = client.get(reverse("members:card_batch_pdf", args=[tree.commune_a.code]))
    body = big.content.decode()
    assert big.status_code == 200 and "text/html" in big["Content-Type"]
    for chapter in (tree.chapter_a1, tree.chapter_a2):
        assert reverse("members:card_batch_pdf", args=[chapter.code]) in body
    assert not AuditLog.objects.filter(action="member.card_sheet_pdf").exists()


# --- verification ----------------------------------------------------------------------------


def test_verification_follows_revocation_and_reissue(tree: Tree) -> None:
    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    anonymous = Client()
    first = reverse("members:card_verify", args=[card_token(member)])
    response = anonymous.get(first)
    assert response.status_code == 200 and verdict_of(response) == "valid"
    assert "Thẻ hợp lệ" in response.content.decode()

    member = services.card_revoke(actor=None, member=member, reason="mất thẻ")
    response = anonymous.get(first)
    assert response.status_code == 200 and verdict_of(response) == "revoked"
    page = response.content.decode()
    assert "Thẻ không hợp lệ" in page and "đã bị thu hồi" in page

    member = services.card_issue(actor=None, member=member)
    second = reverse("members:card_verify", args=[card_token(member)])
    assert second != first
    assert verdict_of(anonymous.get(second)) == "valid"
    assert verdict_of(anonymous.get(first)) == "replaced"  # the old card stays invalid

    # a replaced (lost) card: re-issuing an issued card kills the earlier code too
    member = services.card_issue(actor=None, member=member)
    assert verdict_of(anonymous.get(second)) == "replaced"
    assert AuditLog.objects.filter(action="member.card_verify", actor=None).count() == 5


def test_a_member_who_left_holds_no_valid_card(tree: Tree) -> None:
    import datetime as dt

    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    url = reverse("members:card_verify", args=[card_token(member)])
    services.member_set_status(
        actor=None, member=member, status="deceased", date=dt.date(2026, 2, 1), reason=""
    )
    response = Client().get(url)
    assert verdict_of(response) == "inactive"
    assert "không còn là hội viên" in response.content.decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature altered
        lambda t: t.replace(t.split(":")[0], signing.b64_encode(b"[999,1]").decode(), 1),
        lambda t: signing.Signer(salt="other").sign_object([1, 1]),  # another purpose's salt
        lambda t: "khong-phai-ma-the",
    ],
)
def test_tampered_token_answers_404(tree: Tree, tamper: Callable[[str], str]) -> None:
    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    response = Client().get(reverse("members:card_verify", args=[tamper(card_token(member))]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Thẻ không hợp lệ" in page and "Nguyễn Thị Hoa" not in page
    assert response["X-Robots-Tag"].startswith("noindex")


def test_token_payload_is_the_member_and_card_version(tree: Tree) -> None:
    member = issued(tree.chapter_a1, "Nguyễn Thị Hoa")
    assert signing.Signer(salt=SALT).unsign_object(card_token(member)) == [
        member.pk,
        member.card_version,
    ]


def test_public_page_shows_nothing_sensitive_and_is_not_cached(tree: Tree) -> None:
    member = issued(
        tree.chapter_a1,
        "Nguyễn Thị Hoa",
        id_number=CCCD,
        phone="0912345678",
        sensitive={"ethnicity": "Tày", "religion": "Phật giáo", "poverty": "Hộ nghèo"},
        residence_detail="Số 12 đường Hoàng Văn Thụ",
    )
    response = Client().get(reverse("members:card_verify", args=[card_token(member)]))
    page = response.content.decode()
    assert "Nguyễn Thị Hoa" in page and "TN-PHOYEN-000001" in page
    assert "Chi hội Tổ dân phố 1" in page
    for secret in (CCCD, "0191", "******", "0912345678", "Tày", "Phật giáo", "Hộ nghèo"):
        assert secret not in page, secret
    assert "Hoàng Văn Thụ" not in page and "1985" not in page and "05/03" not in page
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


# --- self-service ----------------------------------------------------------------------------


def test_member_sees_and_prints_her_own_card_only(tree: Tree, users: dict[str, Any]) -> None:
    own_card(tree, users)
    mine = Member.objects.get(user=users["member"])
    other = issued(tree.chapter_a1, "Vũ Thị Hương")
    client = client_for(users["member"])
    page = client.get(reverse("members:my_card"))
    assert page.status_code == 200 and mine.full_name in page.content.decode()
    assert 'data-testid="card-issue"' not in page.content.decode()
    assert client.get(reverse("members:card_pdf", args=[mine.pk])).status_code == 200
    assert client.get(reverse("members:card", args=[other.pk])).status_code == 404
    assert client.get(reverse("members:card_pdf", args=[other.pk])).status_code == 404
    assert client.post(reverse("members:card_issue", args=[mine.pk])).status_code == 403
    actions = set(AuditLog.objects.filter(actor=users["member"]).values_list("action", flat=True))
    assert {"member.card_view", "member.card_pdf"} <= actions


def test_my_card_without_a_member_record_is_404(users: dict[str, Any]) -> None:
    assert client_for(users["cadre_a"]).get(reverse("members:my_card")).status_code == 404
