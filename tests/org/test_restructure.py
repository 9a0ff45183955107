"""Restructuring: merge, split, move, rename, with history queries before and after the date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from hoiso.accounts.models import RoleAssignment
from hoiso.core.models import AuditLog
from hoiso.org import selectors, services
from hoiso.org.models import Unit, UnitEvent, UnitPlacement
from tests.conftest import make_unit

MERGE_DAY = dt.date(2025, 7, 1)
BEFORE = dt.date(2024, 6, 1)
AFTER = dt.date(2026, 1, 15)


def codes(units: object) -> set[str]:
    return {u.code for u in units}  # type: ignore[attr-defined]


def test_paths_and_subtree_queries(tree):
    assert tree.group_a1.path.startswith(tree.chapter_a1.path)
    assert tree.chapter_a1.path.startswith(tree.commune_a.path)
    under_a = Unit.objects.under(tree.commune_a)
    assert codes(under_a) == {"TN-PHOYEN", "TN-PHOYEN-CH1", "TN-PHOYEN-CH2", "TN-PHOYEN-CH1-T1"}
    assert codes(Unit.objects.ancestors_of(tree.group_a1)) == {
        "TW",
        "TN",
        "TN-PHOYEN",
        "TN-PHOYEN-CH1",
    }
    assert [u.code for u in selectors.unit_ancestors(tree.group_a1)] == [
        "TW",
        "TN",
        "TN-PHOYEN",
        "TN-PHOYEN-CH1",
    ]


def test_merge_three_levels_moves_everything_and_keeps_history(tree, users):
    # Three levels of descendants under the merged communes: chapter → group → (a sub-group level
    # does not exist, so add a second chapter with a group to B as well).
    make_unit("TN-DAITU-CH1-T2", "Tổ phụ nữ số 2 Đồng Tâm", "to", tree.chapter_b1)
    cadre_b = users["cadre_b"]
    result = services.unit_merge(
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Hội LHPN phường Phổ Yên mới",
        new_code="TN-PHOYEN-MOI",
        effective_date=MERGE_DAY,
        decision="Nghị quyết 1683/NQ-UBTVQH15",
    )
    new = Unit.objects.get(code="TN-PHOYEN-MOI")
    a = Unit.objects.get(pk=tree.commune_a.pk)
    b = Unit.objects.get(pk=tree.commune_b.pk)
    assert a.valid_to == MERGE_DAY and b.valid_to == MERGE_DAY
    assert new.parent_id == tree.province.pk and new.valid_from == MERGE_DAY
    # every descendant now sits under the new commune, paths rewritten
    moved = Unit.objects.under(new, include_self=False)
    assert codes(moved) == {
        "TN-PHOYEN-CH1",
        "TN-PHOYEN-CH2",
        "TN-PHOYEN-CH1-T1",
        "TN-DAITU-CH1",
        "TN-DAITU-CH1-T1",
        "TN-DAITU-CH1-T2",
    }
    for unit in moved:
        assert unit.path.startswith(new.path)
    assert codes(Unit.objects.under(a, include_self=False)) == set()
    assert result.descendants == 6
    # open work follows: the cadre of B now holds her role at the new commune
    assert RoleAssignment.objects.get(user=cadre_b).unit_id == new.pk
    assert {h.key: h.count for h in result.holdings}["role_assignments"] == 2
    # history: before the merge date the tree is as it was
    group = Unit.objects.get(code="TN-DAITU-CH1-T1")
    assert [u.code for u in selectors.unit_ancestors_on(group, BEFORE)] == [
        "TW",
        "TN",
        "TN-DAITU",
        "TN-DAITU-CH1",
    ]
    assert [u.code for u in selectors.unit_ancestors_on(group, AFTER)] == [
        "TW",
        "TN",
        "TN-PHOYEN-MOI",
        "TN-DAITU-CH1",
    ]
    assert (
        selectors.unit_parent_on(Unit.objects.get(code="TN-DAITU-CH1"), BEFORE).code == "TN-DAITU"
    )
    assert (
        selectors.unit_parent_on(Unit.objects.get(code="TN-DAITU-CH1"), AFTER).code
        == "TN-PHOYEN-MOI"
    )
    assert codes(selectors.units_under_on(b, BEFORE)) == {
        "TN-DAITU-CH1",
        "TN-DAITU-CH1-T1",
        "TN-DAITU-CH1-T2",
    }
    assert codes(selectors.units_under_on(b, AFTER)) == set()
    assert codes(selectors.units_under_on(new, BEFORE)) == set()  # did not exist yet
    assert len(codes(selectors.units_under_on(new, AFTER))) == 6
    # lineage: the closed units name their successor
    assert selectors.unit_successors(a) == [new]
    event = UnitEvent.objects.get(kind="merge")
    assert event.decision == "Nghị quyết 1683/NQ-UBTVQH15"
    assert AuditLog.objects.filter(action="unit.merge", object_id=str(new.pk)).count() == 1


def test_merge_absorb_keeps_target(tree, users):
    services.unit_merge(
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        target=tree.commune_a,
        effective_date=MERGE_DAY,
    )
    a = Unit.objects.get(pk=tree.commune_a.pk)
    assert a.valid_to is None
    assert Unit.objects.get(pk=tree.commune_b.pk).valid_to == MERGE_DAY
    assert Unit.objects.get(code="TN-DAITU-CH1").parent_id == a.pk


def test_preview_writes_nothing(tree, users):
    before_units = Unit.objects.count()
    before_placements = UnitPlacement.objects.count()
    before_audit = AuditLog.objects.count()
    preview = services.preview(
        services.unit_merge,
        actor=users["admin"],
        sources=[tree.commune_a, tree.commune_b],
        new_name="Hội LHPN xã Mới",
        new_code="TN-MOI",
        effective_date=MERGE_DAY,
    )
    assert preview.descendants == 5
    assert [c["code"] for c in preview.created] == ["TN-MOI"]
    assert codes(preview.closed) == {"TN-PHOYEN", "TN-DAITU"}
    assert Unit.objects.count() == before_units
    assert UnitPlacement.objects.count() == before_placements
    assert AuditLog.objects.count() == before_audit
    assert Unit.objects.get(pk=tree.commune_a.pk).valid_to is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sources_codes": ["TN-PHOYEN"]}, "too_few"),
        ({"sources_codes": ["TN-PHOYEN", "TN-PHOYEN-CH1"]}, "level"),
        ({"sources_codes": ["TN-PHOYEN", "TN-DAITU"], "new_code": "TN"}, "duplicate"),
        ({"sources_codes": ["TN-PHOYEN", "TN-DAITU"], "new_name": ""}, "required"),
    ],
)
def test_merge_refuses_bad_input_and_writes_nothing(tree, kwargs, code):
    sources = [Unit.objects.get(code=c) for c in kwargs.pop("sources_codes")]
    params = {"new_name": "X", "new_code": "TN-X", **kwargs}
    count = Unit.objects.count()
    with pytest.raises(ValidationError) as info:
        services.unit_merge(actor=None, sources=sources, effective_date=MERGE_DAY, **params)
    assert info.value.code == code
    assert Unit.objects.count() == count
    assert Unit.objects.filter(valid_to__isnull=False).count() == 0


def test_split_sends_each_child_where_chosen(tree, users):
    ch1, ch2 = tree.chapter_a1, tree.chapter_a2
    services.unit_split(
        actor=users["admin"],
        source=tree.commune_a,
        parts=[
            services.SplitPart(
                code="TN-PY-BAC", name="Hội LHPN phường Phổ Yên Bắc", children=[ch1]
            ),
            services.SplitPart(
                code="TN-PY-NAM", name="Hội LHPN phường Phổ Yên Nam", children=[ch2]
            ),
        ],
        holdings_to=1,
        effective_date=MERGE_DAY,
    )
    north, south = Unit.objects.get(code="TN-PY-BAC"), Unit.objects.get(code="TN-PY-NAM")
    assert Unit.objects.get(pk=ch1.pk).parent_id == north.pk
    assert Unit.objects.get(pk=ch2.pk).parent_id == south.pk
    assert Unit.objects.get(code="TN-PHOYEN-CH1-T1").path.startswith(north.path)
    assert Unit.objects.get(pk=tree.commune_a.pk).valid_to == MERGE_DAY
    assert set(selectors.unit_successors(tree.commune_a)) == {north, south}
    # the commune cadre's assignment went to the part chosen for holdings
    assert RoleAssignment.objects.get(user=users["cadre_a"]).unit_id == south.pk


def test_split_requires_every_child_assigned(tree):
    with pytest.raises(ValidationError) as info:
        services.unit_split(
            actor=None,
            source=tree.commune_a,
            parts=[
                services.SplitPart(code="X1", name="X1", children=[tree.chapter_a1]),
                services.SplitPart(code="X2", name="X2", children=[]),
            ],
            effective_date=MERGE_DAY,
        )
    assert info.value.code == "unassigned"
    assert not Unit.objects.filter(code__in=["X1", "X2"]).exists()


def test_move_with_descendants_and_cycle_refused(tree, users):
    services.unit_move(
        actor=users["admin"],
        unit=tree.chapter_a1,
        new_parent=tree.commune_b,
        effective_date=MERGE_DAY,
    )
    group = Unit.objects.get(pk=tree.group_a1.pk)
    assert group.path.startswith(Unit.objects.get(pk=tree.commune_b.pk).path)
    assert (
        selectors.unit_parent_on(Unit.objects.get(pk=tree.chapter_a1.pk), BEFORE) == tree.commune_a
    )
    with pytest.raises(ValidationError) as info:
        services.unit_move(
            actor=None,
            unit=tree.commune_b,
            new_parent=Unit.objects.get(pk=tree.chapter_a1.pk),
            effective_date=AFTER,
        )
    assert info.value.code in {"cycle", "level"}


def test_move_before_an_earlier_change_is_refused(tree):
    services.unit_move(
        actor=None, unit=tree.chapter_a1, new_parent=tree.commune_b, effective_date=AFTER
    )
    with pytest.raises(ValidationError) as info:
        services.unit_move(
            actor=None,
            unit=Unit.objects.get(pk=tree.chapter_a1.pk),
            new_parent=tree.commune_a,
            effective_date=MERGE_DAY,
        )
    assert info.value.code == "date_order"


def test_rename_keeps_old_name_in_lineage_and_history(tree, users):
    services.unit_rename(
        actor=users["admin"],
        unit=tree.commune_b,
        new_name="Hội LHPN xã Đại Từ mới",
        effective_date=MERGE_DAY,
    )
    unit = Unit.objects.get(pk=tree.commune_b.pk)
    assert unit.name == "Hội LHPN xã Đại Từ mới"
    assert unit.name_folded == "hoi lhpn xa dai tu moi"
    event = selectors.unit_lineage(unit)[0]
    assert event.detail == {"old_name": "Hội LHPN xã Đại Từ", "new_name": "Hội LHPN xã Đại Từ mới"}
    assert unit.history.first().name == "Hội LHPN xã Đại Từ mới"
    assert unit.history.count() >= 2
