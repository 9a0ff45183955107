"""The member counts table (kept by triggers) against a direct GROUP BY, after every kind of write.

After each write the stored counts must equal ``counts.direct_counts()`` (a GROUP BY of the
members and dues by own unit, rolled up the unit paths in Python), and the statistics read from
the counts must equal the statistics computed from the member rows (``member_stats_live``).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from hoiso.members import services
from hoiso.members.choices import INDICATORS, Occupation, Status
from hoiso.members.imports.writer import members_bulk_create
from hoiso.members.models import DuesPayment, Member, MemberCount
from hoiso.members.stats import counts
from hoiso.members.stats.live import member_stats_live
from hoiso.members.stats.selectors import member_stats
from hoiso.org import services as org_services
from tests.conftest import Tree, make_unit
from tests.members.conftest import make_member

TODAY = timezone.localdate()
YEAR = TODAY.year


def assert_consistent(tree: Tree, user: Any) -> None:
    stored, direct = counts.stored_counts(), counts.direct_counts()
    assert stored == direct, _diff(stored, direct)
    for unit in (tree.province, tree.commune_a, tree.commune_b, tree.chapter_a1):
        unit.refresh_from_db()
        for sensitive in (False, True):
            got = member_stats(user, unit, with_sensitive=sensitive)
            want = member_stats_live(user, unit, with_sensitive=sensitive)
            assert got == want, unit.code


def _diff(a: dict[Any, int], b: dict[Any, int]) -> str:
    keys = sorted(set(a) | set(b), key=str)
    return "; ".join(f"{k}: {a.get(k)} != {b.get(k)}" for k in keys if a.get(k) != b.get(k))[:2000]


@pytest.fixture
def people(tree: Tree, users: dict[str, Any], dues_rate: Any) -> dict[str, Any]:
    """Members spread over both communes, with varied profiles, some dues and a card."""
    actor = users["province_cadre"]
    units = [tree.group_a1, tree.chapter_a1, tree.chapter_a2, tree.commune_a, tree.group_b1]
    rng = random.Random(7)
    ethnicities = ["Kinh", "Tày", "Nùng", "Dao", "Pà Thẻn"]
    out: dict[str, Any] = {}
    for i in range(24):
        sensitive: dict[str, str | None] = {"ethnicity": rng.choice(ethnicities)}
        if i % 3 == 0:
            sensitive["religion"] = rng.choice(["Không", "Phật giáo"])
        if i % 4 == 0:
            sensitive["poverty"] = "Hộ nghèo"
        if i % 5 == 0:
            sensitive["party_member"] = "Có"
        born = rng.randint(1950, YEAR - 19)
        out[f"m{i}"] = make_member(
            units[i % len(units)],
            f"Nguyễn Thị Thử {chr(65 + i)}",
            actor=actor,
            birth_date=dt.date(born, rng.randint(1, 12), 10),
            join_date=dt.date(rng.randint(born + 19, YEAR), 1, 5),
            occupation=rng.choice([*Occupation.values, ""]),
            member_type="honorary" if i % 7 == 0 else "regular",
            sensitive=sensitive,
            indicators={name: rng.choice([True, False, None]) for name in INDICATORS},
        )
    members = list(out.values())
    services.dues_record(actor=actor, members=members[:10], year=YEAR, paid_on=TODAY)
    services.dues_record(actor=actor, members=members[5:15], year=YEAR - 1, paid_on=TODAY)
    return out


def test_create_and_dues_keep_the_counts(people, tree, users):
    assert_consistent(tree, users["province_cadre"])
    province = MemberCount.objects.filter(unit=tree.province)
    assert province.get(dim="status", value="active").n == 24
    assert province.get(dim="dues", value=str(YEAR)).n == 10
    # the root above the province holds the same subtree totals
    assert MemberCount.objects.get(unit=tree.central, dim="status", value="active").n == 24
    assert member_stats(users["province_cadre"], tree.province).paid == 10


def test_profile_status_card_and_indicator_updates(people, tree, users):
    actor = users["province_cadre"]
    m = people
    data = services.input_from(m["m1"], with_sensitive=True)
    data.occupation, data.member_type = "retired", "honorary"
    data.birth_date = dt.date(1960, 1, 1)
    data.sensitive = {"ethnicity": "Mường", "religion": None}
    services.member_update(actor=actor, member=m["m1"], data=data)
    assert_consistent(tree, actor)
    services.member_set_status(actor=actor, member=m["m2"], status=Status.LEFT, date=TODAY)
    services.member_set_status(actor=actor, member=m["m3"], status=Status.AWAY, date=TODAY)
    services.member_set_status(actor=actor, member=m["m4"], status=Status.DECEASED, date=TODAY)
    assert_consistent(tree, actor)
    services.member_set_status(actor=actor, member=m["m2"], status=Status.ACTIVE, date=TODAY)
    assert_consistent(tree, actor)
    services.card_issue(actor=actor, member=m["m5"])
    services.card_issue(actor=actor, member=m["m6"])
    services.card_revoke(actor=actor, member=Member.objects.get(pk=m["m6"].pk), reason="mất thẻ")
    assert_consistent(tree, actor)
    chapter = list(Member.objects.filter(unit=tree.chapter_a1))
    services.indicators_update(
        actor=actor, members=chapter, values={"has_smartphone": True, "cashless": None}
    )
    assert_consistent(tree, actor)


def test_transfer_accept_moves_the_member_and_her_dues(people, tree, users):
    actor = users["province_cadre"]
    member = people["m0"]  # in group A1, paid this year
    transfer = services.transfer_send(
        actor=actor, member=member, to_unit=tree.chapter_b1, reason="kết hôn", date=TODAY
    )
    assert_consistent(tree, actor)  # still counted at the sending unit
    services.transfer_decide(actor=actor, transfer=transfer, accept=True)
    assert_consistent(tree, actor)
    paid_in_b = DuesPayment.objects.filter(
        year=YEAR, member__unit__path__startswith=tree.commune_b.path, member__status="active"
    ).count()
    assert paid_in_b >= 1  # she brought this year's payment with her
    b = MemberCount.objects.get(unit=tree.commune_b, dim="dues", value=str(YEAR))
    assert b.n == paid_in_b


def test_import_counts_the_batch_in_one_go(people, tree, users):
    actor = users["province_cadre"]
    rows = []
    for i in range(30):
        data = services.MemberInput(
            full_name=f"Trần Thị Nhập {i:02d}",
            birth_date=dt.date(1950 + i, 2, 3),
            join_date=dt.date(2015, 1, 1),
            occupation="farmer" if i % 2 else "",
            sensitive={"ethnicity": "Tày"} if i % 3 else {},
            indicators={"vneid_level2": bool(i % 2)},
        )
        rows.append((services.clean_member(data), tree.group_b1 if i % 2 else tree.chapter_a2))
    assert members_bulk_create(actor=actor, rows=rows, file_name="x.xlsx") == 30
    assert_consistent(tree, actor)
    # the pause marker is gone: a member created afterwards is counted by the trigger
    assert not MemberCount.objects.filter(unit_id=0).exists()
    make_member(tree.group_b1, "Lê Thị Sau", actor=actor)
    assert_consistent(tree, actor)


def test_the_raw_insert_path_is_counted_by_the_triggers(people, tree, users):
    source = Member.objects.get(pk=people["m0"].pk)
    with connection.cursor() as cursor:  # what a SQL console or another writer would do
        fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
        values = [f.get_db_prep_save(getattr(source, f.attname), connection) for f in fields]
        values[[f.attname for f in fields].index("card_number")] = ""
        cursor.execute(
            f"INSERT INTO members_member ({', '.join(f.column for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})",
            values,
        )
        cursor.execute("UPDATE members_member SET unit_id = %s", [tree.group_b1.pk])
    assert_consistent(tree, users["province_cadre"])


def test_restructuring_merge_split_and_move(people, tree, users):
    actor = users["province_cadre"]
    # merge the two chapters of commune A: children and members move to the new chapter
    org_services.unit_merge(
        actor=actor,
        sources=[tree.chapter_a1, tree.chapter_a2],
        effective_date=TODAY,
        new_name="Chi hội Tổ dân phố 1-2",
        new_code="TN-PHOYEN-CH12",
    )
    assert_consistent(tree, actor)
    # split commune B's chapter in two: its group goes to one part, its members to the other
    tree.chapter_b1.refresh_from_db()
    org_services.unit_split(
        actor=actor,
        source=tree.chapter_b1,
        parts=[
            org_services.SplitPart(code="TN-DAITU-CH1A", name="Chi hội A", children=[]),
            org_services.SplitPart(
                code="TN-DAITU-CH1B", name="Chi hội B", children=[tree.group_b1]
            ),
        ],
        effective_date=TODAY,
    )
    assert_consistent(tree, actor)
    # move a whole chapter (with its group and members) to the other commune
    moved = make_unit("TN-DAITU-CH9", "Chi hội mới", "chi-hoi", tree.commune_b)
    group = make_unit("TN-DAITU-CH9-T1", "Tổ mới", "to", moved)
    make_member(group, "Hà Thị Chuyển", actor=actor)
    make_member(moved, "Hà Thị Chuyển Hai", actor=actor, birth_date=dt.date(1979, 1, 1))
    assert_consistent(tree, actor)
    tree.commune_a.refresh_from_db()
    org_services.unit_move(actor=actor, unit=moved, new_parent=tree.commune_a, effective_date=TODAY)
    assert_consistent(tree, actor)
    a = MemberCount.objects.get(unit=tree.commune_a, dim="status", value="active").n
    assert a == Member.objects.filter(unit__path__startswith=tree.commune_a.path).count()


def test_deletes_of_dues_and_members(people, tree, users):
    DuesPayment.objects.filter(member=people["m1"]).delete()
    assert_consistent(tree, users["province_cadre"])
    with transaction.atomic():
        DuesPayment.objects.filter(member=people["m2"]).delete()
        Member.objects.filter(pk=people["m2"].pk).delete()
    assert_consistent(tree, users["province_cadre"])


def test_rebuild_command_repairs_the_table(people, tree, users, capsys):
    MemberCount.objects.filter(dim="birth").delete()
    MemberCount.objects.filter(dim="status").update(n=999)
    assert counts.stored_counts() != counts.direct_counts()
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_member_counts", "--check")
    call_command("rebuild_member_counts")
    assert "rows" in capsys.readouterr().out
    assert_consistent(tree, users["province_cadre"])
    call_command("rebuild_member_counts", "--check")
    assert "agree" in capsys.readouterr().out


def test_the_migrations_triggers_can_be_removed_and_installed_again(people, tree, users):
    from importlib import import_module

    migration = import_module("hoiso.members.migrations.0007_member_count")
    editor = connection.schema_editor()
    migration.uninstall(None, editor)
    try:
        make_member(tree.group_a1, "Đỗ Thị Ngoài", actor=users["province_cadre"])
        assert counts.stored_counts() != counts.direct_counts()  # no trigger: not counted
    finally:
        migration.install(None, editor)  # triggers back, table rebuilt
    assert_consistent(tree, users["province_cadre"])
    make_member(tree.group_a1, "Đỗ Thị Trong", actor=users["province_cadre"])
    assert_consistent(tree, users["province_cadre"])


def test_day_dependent_figures_are_computed_at_read_time(people, tree, users, settings):
    user = users["province_cadre"]
    later = dt.date(YEAR + 12, 6, 1)  # everyone is 12 years older; nobody paid that year
    assert member_stats(user, tree.province, today=later) == member_stats_live(
        user, tree.province, today=later
    )
    assert member_stats(user, tree.province, today=later).paid == 0
    for minimum in (1, 4, 6):
        settings.DIGITAL_ACTIVE_MIN = minimum
        assert member_stats(user, tree.province) == member_stats_live(user, tree.province)


def test_the_page_reads_two_small_queries(people, tree, users, django_assert_num_queries):
    user = users["province_cadre"]
    member_stats(user, tree.province)  # scopes cached
    with django_assert_num_queries(3):  # totals, children's counts, the children themselves
        member_stats(user, tree.province)
