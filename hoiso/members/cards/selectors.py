"""Scoped reads for cards: the unit a sheet is printed for, its carded members, unit names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from hoiso.core.access import get_scoped
from hoiso.core.tree import path_ids, subtree_q
from hoiso.members.choices import CURRENT_STATUSES, CardStatus
from hoiso.members.models import Member
from hoiso.org.models import Unit

ISSUE_PERM = "members.issue_card"
CHAPTER_LEVEL = "chi-hoi"
COMMUNE_LEVEL = "xa"


@dataclass(frozen=True)
class UnitLine:
    """The unit printed on a card: the chapter (if the member sits in one) and the commune."""

    chapter: str
    commune: str
    # The code of the chapter (or of the unit itself): where a sheet of its cards is printed.
    sheet_code: str

    def __str__(self) -> str:
        return ", ".join(name for name in (self.chapter, self.commune) if name)


def sheet_unit_get(user: Any, code: str) -> Unit:
    """The unit a sheet of cards is printed for: 403 without the card permission, 404 outside."""
    return get_scoped(Unit.objects.select_related("level"), user, ISSUE_PERM, code=code)


def sheet_members(user: Any, unit: Unit) -> QuerySet[Member]:
    """Members under ``unit`` holding a card in force, by unit then Vietnamese name order."""
    return (
        Member.objects.restrict(user, ISSUE_PERM)
        .filter(
            subtree_q(unit.path, "unit__path"),
            card_status=CardStatus.ISSUED,
            status__in=CURRENT_STATUSES,
        )
        .select_related("unit")
        .order_by("unit__path", "name_sort", "pk")
    )


def sheet_children(user: Any, unit: Unit) -> QuerySet[Unit]:
    """The active units right under ``unit`` the user may print for (a sheet too big to make)."""
    return (
        Unit.objects.restrict(user, ISSUE_PERM)
        .filter(parent=unit, valid_to__isnull=True)
        .select_related("level")
        .order_by("name_folded")
    )


def unit_lines(units: Iterable[Unit]) -> dict[int, UnitLine]:
    """Chapter and commune names for each unit, from one query over all their ancestors.

    Not scoped: the caller already holds the member (and so her unit); names of the units
    above it are printed on her card.
    """
    units = list({u.pk: u for u in units}.values())
    ids = {pk for u in units for pk in path_ids(u.path)}
    found = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=ids)
        .select_related("level")
        .only("pk", "code", "name", "level__code")
    }
    lines: dict[int, UnitLine] = {}
    for unit in units:
        chain = [found[pk] for pk in path_ids(unit.path) if pk in found]
        by_level = {u.level.code: u for u in chain}
        chapter_unit = by_level.get(CHAPTER_LEVEL)
        chapter = chapter_unit.name if chapter_unit else ""
        # A unit outside the usual levels (an agency union) names itself.
        commune_unit = by_level.get(COMMUNE_LEVEL)
        commune = commune_unit.name if commune_unit else ("" if chapter else unit.name)
        sheet_code = chapter_unit.code if chapter_unit else unit.code
        lines[unit.pk] = UnitLine(chapter=chapter, commune=commune, sheet_code=sheet_code)
    return lines
