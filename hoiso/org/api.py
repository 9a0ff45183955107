"""/api/v1/units/: list with a subtree filter, detail, lineage, children."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from hoiso.org import selectors
from hoiso.org.models import Unit, UnitEvent

router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    name: str
    level: str
    level_name: str
    parent: str | None
    depth: int
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_level(obj: Unit) -> str:
        return obj.level.code

    @staticmethod
    def resolve_level_name(obj: Unit) -> str:
        return obj.level.name

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class UnitPage(Schema):
    items: list[UnitOut]
    next_cursor: str | None


class EventUnitOut(Schema):
    code: str
    name: str
    role: str


class EventOut(Schema):
    id: int
    kind: str
    effective_date: dt.date
    decision: str
    note: str
    detail: dict[str, object]
    units: list[EventUnitOut]

    @staticmethod
    def resolve_units(obj: UnitEvent) -> list[dict[str, str]]:
        return [
            {"code": lk.unit.code, "name": lk.unit.name, "role": lk.role} for lk in obj.links.all()
        ]


@router.get("", response=UnitPage, url_name="unit_list")
def list_units(
    request: HttpRequest,
    under: str = "",
    q: str = "",
    level: str = "",
    include_closed: bool = False,
    after: str = "",
    limit: int = 100,
) -> dict[str, object]:
    """Units in the caller's scope; ``under=CODE`` keeps that unit's subtree. Paged by path."""
    limit = max(1, min(limit, 1000))
    root = selectors.unit_get(request.user, code=under) if under else None
    qs = selectors.unit_list(
        request.user, under=root, q=q, level=level, include_closed=include_closed
    )
    qs = qs.select_related("parent").order_by("path")
    if after:
        qs = qs.filter(path__gt=after)
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": items[-1].path if more else None}


@router.get("/{code}", response=UnitOut, url_name="unit_detail")
def get_unit(request: HttpRequest, code: str) -> Unit:
    return selectors.unit_get(request.user, code=code)


@router.get("/{code}/lineage", response=list[EventOut], url_name="unit_lineage")
def unit_lineage(request: HttpRequest, code: str) -> list[UnitEvent]:
    unit = selectors.unit_get(request.user, code=code)
    return selectors.unit_lineage(unit)


@router.get("/{code}/children", response=list[UnitOut], url_name="unit_children")
def unit_children(request: HttpRequest, code: str) -> list[Unit]:
    unit = selectors.unit_get(request.user, code=code)
    return list(selectors.unit_children(unit).select_related("parent"))
