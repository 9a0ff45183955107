"""Member services: validation, encryption, duplicates, transfers, dues, cards, restructuring."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from hoiso.core.models import AuditLog
from hoiso.members import selectors, services
from hoiso.members.models import DuesPayment, Member, Transfer
from hoiso.members.services import MemberInput
from tests.members.conftest import make_member


def test_create_normalises_and_encrypts(tree, users):
    member = make_member(
        tree.chapter_a1,
        "NGUYỄN THỊ HOÀ",
        actor=users["cadre_a"],
        phone="+84 912 345 678",
        id_number="019185001245",
        sensitive={"ethnicity": "Tày", "religion": "Phật giáo"},
    )
    assert member.full_name == "Nguyễn Thị Hòa"
    assert member.name_folded == "nguyen thi hoa"
    assert member.phone == "0912345678"
    assert member.id_number_hint == "0191******45"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_enc, ethnicity_enc FROM members_member WHERE id = %s", [member.pk]
        )
        id_enc, eth_enc = cursor.fetchone()
    assert "019185001245" not in id_enc and "Tày" not in eth_enc and id_enc.startswith("v1:")
    assert services.id_number_of(member) == "019185001245"
    assert services.sensitive_values(member)["ethnicity"] == "Tày"
    assert AuditLog.objects.filter(action="member.create", object_id=str(member.pk)).exists()


def test_every_problem_is_reported_at_once_and_nothing_written(tree):
    with pytest.raises(ValidationError) as info:
        services.member_create(
            actor=None,
            unit=tree.chapter_a1,
            data=MemberInput(full_name="", birth_year=2015, phone="123", id_number="019185001245"),
        )
    errors = info.value.message_dict
    assert set(errors) >= {"full_name", "phone", "id_number", "member_type"}
    assert Member.objects.count() == 0


def test_year_only_birth_and_honorary_man(tree):
    member = services.member_create(
        actor=None,
        unit=tree.chapter_a1,
        data=MemberInput(
            full_name="Trần Văn Nam", birth_year=1960, sex="M", member_type="honorary"
        ),
    )
    assert member.birth_date is None and member.birth_year == 1960


def test_a_person_is_not_an_active_member_twice(tree):
    make_member(tree.chapter_a1, "Lê Thị Mai", id_number="019185001245")
    with pytest.raises(ValidationError) as info:
        make_member(tree.chapter_b1, "Lê Thị Mai", id_number="19185001245")
    assert "id_number" in info.value.message_dict


def test_transfer_across_two_communes(tree, users):
    member = make_member(tree.chapter_a1, "Phạm Thị Hạnh", actor=users["cadre_a"])
    transfer = services.transfer_send(
        actor=users["cadre_a"],
        member=member,
        to_unit=tree.chapter_b1,
        reason="Kết hôn",
        date=dt.date(2026, 5, 1),
    )
    # still counted in A until B accepts; both sides see the transfer
    assert Member.objects.get(pk=member.pk).unit == tree.chapter_a1
    assert list(selectors.transfer_list(users["cadre_b"])) == [transfer]
    assert list(selectors.transfer_list(users["cadre_a"])) == [transfer]
    with pytest.raises(ValidationError):
        services.transfer_send(
            actor=users["cadre_a"],
            member=member,
            to_unit=tree.chapter_b1,
            reason="again",
            date=dt.date(2026, 5, 2),
        )
    services.transfer_decide(actor=users["cadre_b"], transfer=transfer, accept=True)
    moved = Member.objects.get(pk=member.pk)
    assert moved.unit == tree.chapter_b1
    reasons = [h.history_change_reason for h in moved.history.all()]
    assert any(r and "Tổ dân phố 1" in r for r in reasons)
    assert Transfer.objects.get(pk=transfer.pk).state == "accepted"


def test_refused_transfer_leaves_member_in_place(tree, users):
    member = make_member(tree.chapter_a1, "Phạm Thị Hạnh")
    transfer = services.transfer_send(
        actor=None,
        member=member,
        to_unit=tree.chapter_b1,
        reason="Kết hôn",
        date=dt.date(2026, 5, 1),
    )
    services.transfer_decide(actor=users["cadre_b"], transfer=transfer, accept=False, note="Sai xã")
    assert Member.objects.get(pk=member.pk).unit == tree.chapter_a1


def test_dues_for_a_chapter_at_once(tree, dues_rate):
    members = [make_member(tree.chapter_a1, f"Hội Viên {i}") for i in range(3)]
    assert (
        services.dues_record(actor=None, members=members, year=2026, paid_on=dt.date(2026, 3, 1))
        == 3
    )
    assert (
        services.dues_record(actor=None, members=members, year=2026, paid_on=dt.date(2026, 3, 1))
        == 0
    )
    assert DuesPayment.objects.filter(year=2026, amount=12000).count() == 3


def test_card_numbers_follow_the_scheme_and_revoke_bumps_the_version(tree):
    first = services.card_issue(actor=None, member=make_member(tree.chapter_a1, "Hoàng Thị Thu"))
    second = services.card_issue(actor=None, member=make_member(tree.group_a1, "Vũ Thị Hương"))
    assert first.card_number == "TN-PHOYEN-000001" and second.card_number == "TN-PHOYEN-000002"
    version = second.card_version
    revoked = services.card_revoke(actor=None, member=second, reason="mất thẻ")
    assert revoked.card_status == "revoked" and revoked.card_version == version + 1


def test_members_follow_a_merge(tree, users):
    member = make_member(tree.commune_b, "Đỗ Thị Ngọc")  # attached to the commune itself
    from hoiso.org.services import unit_merge

    result = unit_merge(
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Xã Mới",
        new_code="TN-MOI",
        effective_date=dt.date(2026, 7, 1),
    )
    assert Member.objects.get(pk=member.pk).unit.code == "TN-MOI"
    assert {h.key: h.count for h in result.holdings}["members"] == 1


def test_folded_search_and_vietnamese_order(tree, users):
    for name in ["Nguyễn Thị Hoà", "Trần Thị Ánh", "Lê Thị An", "Đặng Thị Đào", "Bùi Thị Dung"]:
        make_member(tree.chapter_a1, name)
    flt = selectors.MemberFilter(q="nguyen thi hoa")
    assert [
        m.full_name for m in selectors.member_page(users["cadre_a"], flt, cursor=None).items
    ] == ["Nguyễn Thị Hòa"]
    flt = selectors.MemberFilter(q="dao")
    assert [
        m.full_name for m in selectors.member_page(users["cadre_a"], flt, cursor=None).items
    ] == ["Đặng Thị Đào"]
    names = [
        m.full_name
        for m in selectors.member_page(
            users["cadre_a"], selectors.MemberFilter(), cursor=None
        ).items
    ]
    assert names == ["Lê Thị An", "Trần Thị Ánh", "Bùi Thị Dung", "Đặng Thị Đào", "Nguyễn Thị Hòa"]


def test_keyset_pages_walk_the_whole_list(tree, users):
    for i in range(7):
        make_member(tree.chapter_a1, f"Nguyễn Thị Hoa {chr(65 + i)}")
    seen, cursor = [], None
    while True:
        page = selectors.member_page(
            users["cadre_a"], selectors.MemberFilter(), cursor=cursor, size=3
        )
        seen += [m.pk for m in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 7 == len(set(seen))


def test_scope_hides_other_communes_and_member_sees_only_herself(tree, users):
    mine = make_member(tree.chapter_a1, "Lê Thị Mai")
    make_member(tree.chapter_b1, "Trần Thị Lan")
    assert [
        m.pk for m in selectors.member_queryset(users["cadre_a"], selectors.MemberFilter())
    ] == [mine.pk]
    mine.user = users["member"]
    mine.save()
    assert [m.pk for m in selectors.member_queryset(users["member"], selectors.MemberFilter())] == [
        mine.pk
    ]


def test_sensitive_filter_needs_the_permission(tree, users):
    tay = make_member(tree.chapter_a1, "Ma Thị Nhung", sensitive={"ethnicity": "Tày"})
    make_member(tree.chapter_a1, "Lê Thị Mai", sensitive={"ethnicity": "Kinh"})
    flt = selectors.MemberFilter(sensitive={"ethnicity": "tay"})
    assert [m.pk for m in selectors.member_queryset(users["cadre_a"], flt)] == [tay.pk]
    with pytest.raises(PermissionError):
        list(selectors.member_queryset(users["chapter_a1"], flt))


def test_name_search_pages_read_the_search_order_index(tree, users, monkeypatch):
    """A name search's pages come out the same whether the matches are ordered through the
    narrow index (SQLite) or from the member rows, across pages and within the user's scope."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(9):
        make_member(tree.chapter_a1, f"Nguyễn Thị Hoa {chr(65 + i)}")
        make_member(tree.chapter_b1, f"Nguyễn Thị Hoa {chr(75 + i)}")  # out of cadre_a's scope
    make_member(tree.chapter_a1, "Trần Thị Hoà")

    def walk(user):
        seen, cursor = [], None
        while True:
            page = selectors.member_page(
                user, selectors.MemberFilter(q="nguyen hoa"), cursor=cursor, size=4
            )
            seen += [m.full_name for m in page.items]
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    with CaptureQueriesContext(connection) as ctx:
        through_index = walk(users["cadre_a"])
    if connection.vendor == "sqlite":
        assert any(selectors.SEARCH_ORDER_INDEX in q["sql"] for q in ctx.captured_queries)
    monkeypatch.setattr(selectors, "values_using_index", lambda qs, index: list(qs))
    assert through_index == walk(users["cadre_a"])
    assert through_index == [f"Nguyễn Thị Hoa {chr(65 + i)}" for i in range(9)]
