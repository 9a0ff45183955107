"""Every scoped read of the organisation tree, and the tree as it stood on a past date."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet

from hoiso.core.access import get_scoped, require_perm
from hoiso.core.tree import path_ids, subtree_q
from hoiso.core.vietnamese import fold
from hoiso.org.models import Unit, UnitEvent, UnitEventLink, UnitPlacement

if TYPE_CHECKING:
    from hoiso.org.models import UnitQuerySet


def unit_list(
    user: Any,
    *,
    under: Unit | None = None,
    q: str = "",
    include_closed: bool = False,
    level: str = "",
) -> UnitQuerySet:
    """Units the user may see, optionally under one unit, matching a folded name or code."""
    require_perm(user, "org.view_unit")
    qs = Unit.objects.restrict(user, "view").select_related("level")
    if under is not None:
        qs = qs.filter(subtree_q(under.path))
    if not include_closed:
        qs = qs.filter(valid_to__isnull=True)
    if level:
        qs = qs.filter(level__code=level)
    if q:
        folded = fold(q)
        qs = qs.filter(Q(name_folded__contains=folded) | Q(code__iexact=q.strip()))
    return qs  # type: ignore[return-value]


def unit_get(user: Any, *, code: str, action: str = "view") -> Unit:
    """One unit by code: 403 without the permission anywhere, 404 outside the user's scope."""
    return get_scoped(Unit.objects.select_related("level", "parent"), user, action, code=code)


def unit_roots(user: Any) -> list[Unit]:
    """The top units of the user's view: the units her assignments sit on (none under another)."""
    qs = unit_list(user)
    from hoiso.core.access import scope_paths

    if user.is_superuser:
        return list(qs.filter(parent__isnull=True))
    return list(qs.filter(path__in=scope_paths(user, "org.view_unit")))


def unit_children(unit: Unit, *, include_closed: bool = False) -> QuerySet[Unit]:
    """A unit's children with how many children each has (the tree browser's rows)."""
    qs = unit.children.select_related("level")
    if not include_closed:
        qs = qs.filter(valid_to__isnull=True)
    return qs.annotate(
        child_count=Count("children", filter=Q(children__valid_to__isnull=True))
    ).order_by("name_folded")


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors, root first (for breadcrumbs), in one query."""
    return list(Unit.objects.ancestors_of(unit))


def unit_descendant_counts(unit: Unit) -> dict[str, int]:
    """How many active units of each level lie under ``unit``."""
    rows = (
        Unit.objects.filter(subtree_q(unit.path, include_self=False), valid_to__isnull=True)
        .values("level__name")
        .annotate(n=Count("id"))
        .order_by("level__rank")
    )
    return {r["level__name"]: r["n"] for r in rows}


def unit_lineage(unit: Unit) -> list[UnitEvent]:
    """Every restructuring event that touched the unit, newest first, with all its units."""
    return list(
        UnitEvent.objects.filter(links__unit=unit)
        .distinct()
        .select_related("actor")
        .prefetch_related(
            Prefetch("links", queryset=UnitEventLink.objects.select_related("unit", "unit__level"))
        )
    )


def unit_successors(unit: Unit) -> list[Unit]:
    """The units that took over a closed unit (through a merge or split)."""
    return list(
        Unit.objects.filter(
            event_links__role="target",
            event_links__event__links__unit=unit,
            event_links__event__links__role="source",
        )
        .exclude(pk=unit.pk)
        .distinct()
    )


# --- the tree on a date ---------------------------------------------------------------------


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def placement_on(unit: Unit, day: dt.date) -> UnitPlacement | None:
    """Where the unit stood on ``day`` (None if it did not exist then)."""
    return UnitPlacement.objects.filter(_valid_on(day), unit=unit).order_by("-valid_from").first()


def unit_parent_on(unit: Unit, day: dt.date) -> Unit | None:
    """The unit's parent on ``day``: one indexed query."""
    placed = (
        UnitPlacement.objects.filter(_valid_on(day), unit=unit).select_related("parent").first()
    )
    return placed.parent if placed else None


def unit_ancestors_on(unit: Unit, day: dt.date) -> list[Unit]:
    """Every unit above ``unit`` on ``day``, root first."""
    placed = placement_on(unit, day)
    if placed is None:
        return []
    ids = path_ids(placed.path)[:-1]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def units_under_on(unit: Unit, day: dt.date, include_self: bool = False) -> QuerySet[Unit]:
    """The units that stood under ``unit`` on ``day``."""
    placed = placement_on(unit, day)
    if placed is None:
        return Unit.objects.none()
    ids = UnitPlacement.objects.filter(
        _valid_on(day), subtree_q(placed.path, include_self=include_self)
    ).values("unit_id")
    return Unit.objects.filter(pk__in=ids)
