"""Every write to the organisation tree: create, rename, move, merge, split.

Each restructuring runs in one transaction that changes the units, closes and opens
placements, writes the lineage event, moves what other apps hang on closed units (movers) and
appends the audit row. ``preview(service, **kwargs)`` runs the very same code and rolls it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hoiso.core.access import bump_scope_generation
from hoiso.core.audit import audit
from hoiso.core.tree import child_path, path_depth, subtree_q
from hoiso.core.vietnamese import fold, nfc
from hoiso.org.models import (
    Level,
    LinkRole,
    Unit,
    UnitEvent,
    UnitEventKind,
    UnitEventLink,
    UnitPlacement,
)
from hoiso.org.restructure import Preview, run_movers


class _Rollback(Exception):
    def __init__(self, result: Preview) -> None:
        self.result = result


def preview(service: Callable[..., Preview], **kwargs: Any) -> Preview:
    """Run a restructuring service and roll it back: exactly what it would do, nothing written."""
    try:
        with transaction.atomic():
            result = service(**kwargs)
            raise _Rollback(result)
    except _Rollback as done:
        return done.result


def _check_code(code: str) -> str:
    code = code.strip()
    if not code:
        raise ValidationError(_("The unit code is required."), code="required")
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(
            _("The unit code %(code)s is already used.") % {"code": code}, code="duplicate"
        )
    return code


def _check_name(name: str) -> str:
    name = nfc(name or "")
    if not name:
        raise ValidationError(_("The unit name is required."), code="required")
    return name


def _check_active(unit: Unit, on: dt.date) -> None:
    if unit.valid_to is not None and unit.valid_to <= on:
        raise ValidationError(
            _("Unit %(name)s was closed on %(date)s.")
            % {"name": unit.name, "date": unit.valid_to.strftime("%d/%m/%Y")},
            code="closed",
        )
    if unit.valid_from > on:
        raise ValidationError(
            _("Unit %(name)s only exists from %(date)s.")
            % {"name": unit.name, "date": unit.valid_from.strftime("%d/%m/%Y")},
            code="not_yet",
        )


def _check_parent_level(level: Level, parent: Unit | None) -> None:
    if parent is None:
        return
    if parent.level.rank >= level.rank:
        raise ValidationError(
            _(
                "A unit of level %(level)s cannot be placed under %(parent)s"
                " (level %(parent_level)s)."
            )
            % {"level": level.name, "parent": parent.name, "parent_level": parent.level.name},
            code="level",
        )


def _event(
    *,
    kind: str,
    effective_date: dt.date,
    actor: Any,
    decision: str,
    note: str,
    detail: dict[str, Any],
) -> UnitEvent:
    return UnitEvent.objects.create(
        kind=kind,
        effective_date=effective_date,
        decision=decision.strip(),
        note=note.strip(),
        detail=detail,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def _write_paths(units: Sequence[Unit]) -> None:
    """Store new paths and depths: one prepared UPDATE run many times.

    Django's bulk_update builds a CASE expression per batch, which costs seconds per 10,000
    rows on SQLite; executemany of a plain parameterised UPDATE is portable and far cheaper.
    """
    table = connection.ops.quote_name(Unit._meta.db_table)
    sql = f"UPDATE {table} SET path = %s, depth = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(u.path, u.depth, u.pk) for u in units])


def _history(units: Sequence[Unit], actor: Any, *, reason: str, update: bool) -> None:
    """History rows for units written in bulk (signals do not see bulk writes)."""
    user = actor if actor is not None and actor.is_authenticated else None
    Unit.history.bulk_history_create(
        list(units), batch_size=2000, update=update, default_user=user, default_change_reason=reason
    )


def _link(event: UnitEvent, units: Sequence[Unit], role: str) -> None:
    UnitEventLink.objects.bulk_create(
        [UnitEventLink(event=event, unit=u, role=role) for u in units], ignore_conflicts=True
    )


# --- create ---------------------------------------------------------------------------------


def _chunks(items: list[str], size: int = 900) -> Iterable[list[str]]:
    """Slices small enough for any bound-parameter limit (SQLite: 999 on old builds)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class NewUnit:
    """One unit to create in bulk (import, demo data)."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    address: str = ""


def unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    level: Level,
    parent: Unit | None,
    valid_from: dt.date | None = None,
    address: str = "",
    decision: str = "",
) -> Unit:
    """Establish one unit under ``parent`` (or a root when ``parent`` is None)."""
    units = units_bulk_create(
        actor=actor,
        rows=[
            NewUnit(
                code=code,
                name=name,
                level=level,
                parent_code=parent.code if parent else None,
                address=address,
            )
        ],
        valid_from=valid_from,
        decision=decision,
    )
    return units[0]


@transaction.atomic
def units_bulk_create(
    *,
    actor: Any,
    rows: Sequence[NewUnit],
    valid_from: dt.date | None = None,
    decision: str = "",
    note: str = "",
) -> list[Unit]:
    """Create many units in one transaction: parents before children, one lineage event.

    ``parent_code`` may name an existing unit or one earlier in ``rows``.
    """
    day = valid_from or dt.date.today()
    by_code: dict[str, Unit] = {}
    parent_codes = {r.parent_code for r in rows if r.parent_code}
    existing = {
        u.code: u
        for chunk in _chunks(sorted(parent_codes))
        for u in Unit.objects.filter(code__in=chunk).select_related("level")
    }
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise ValidationError(
                _("The unit code %(code)s appears twice.") % {"code": row.code}, code="duplicate"
            )
        seen.add(row.code)
    clash = [
        code
        for chunk in _chunks(sorted(seen))
        for code in Unit.objects.filter(code__in=chunk).values_list("code", flat=True)[:1]
    ]
    if clash:
        raise ValidationError(
            _("The unit code %(code)s is already used.") % {"code": clash[0]}, code="duplicate"
        )

    # Insert level by level so every parent has its id (and path) before its children.
    pending = list(rows)
    created: list[Unit] = []
    while pending:
        ready: list[tuple[NewUnit, Unit | None]] = []
        waiting: list[NewUnit] = []
        for row in pending:
            if not row.parent_code:
                ready.append((row, None))
            elif row.parent_code in by_code:
                ready.append((row, by_code[row.parent_code]))
            elif row.parent_code in existing:
                ready.append((row, existing[row.parent_code]))
            else:
                waiting.append(row)
        if not ready:
            raise ValidationError(
                _("Unknown parent unit %(code)s.") % {"code": waiting[0].parent_code},
                code="unknown_parent",
            )
        batch: list[Unit] = []
        for row, parent in ready:
            name = _check_name(row.name)
            if not row.code.strip():
                raise ValidationError(_("The unit code is required."), code="required")
            _check_parent_level(row.level, parent)
            if parent is not None:
                _check_active(parent, day)
            batch.append(
                Unit(
                    code=row.code.strip(),
                    name=name,
                    name_folded=fold(name),
                    level=row.level,
                    parent=parent,
                    path="",
                    depth=0,
                    valid_from=day,
                    address=row.address,
                )
            )
        batch = Unit.objects.bulk_create(batch, batch_size=2000)
        if any(
            u.pk is None for u in batch
        ):  # pragma: no cover - every supported backend returns ids
            raise RuntimeError("the database did not return the new unit ids")
        for unit in batch:
            parent_path = unit.parent.path if unit.parent is not None else ""
            unit.path = child_path(parent_path, unit.pk)
            unit.depth = path_depth(unit.path)
            by_code[unit.code] = unit
        _write_paths(batch)
        created.extend(batch)
        pending = waiting

    event = _event(
        kind=UnitEventKind.CREATE,
        effective_date=day,
        actor=actor,
        decision=decision,
        note=note,
        detail={"count": len(created)},
    )
    UnitPlacement.objects.bulk_create(
        [
            UnitPlacement(unit=u, parent=u.parent, path=u.path, valid_from=day, event=event)
            for u in created
        ],
        batch_size=2000,
    )
    _link(event, created, LinkRole.TARGET)
    _history(created, actor, reason=_("established"), update=False)
    first = created[0] if len(created) == 1 else None
    audit(
        actor=actor,
        action="unit.create",
        obj=first,
        unit=first.parent if first is not None else None,
        object_type="org.unit",
        object_repr=first.name
        if first
        else ngettext("%(count)d unit", "%(count)d units", len(created)) % {"count": len(created)},
        detail={"codes": [u.code for u in created[:50]], "count": len(created), "event": event.pk},
    )
    return created


# --- rename ---------------------------------------------------------------------------------


@transaction.atomic
def unit_rename(
    *,
    actor: Any,
    unit: Unit,
    new_name: str,
    effective_date: dt.date,
    decision: str = "",
    note: str = "",
) -> Preview:
    """Give a unit a new name from ``effective_date``; the old name stays in its lineage."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_name = _check_name(new_name)
    _check_active(unit, effective_date)
    if new_name == unit.name:
        raise ValidationError(_("The new name is the same as the current one."), code="same")
    old_name = unit.name
    event = _event(
        kind=UnitEventKind.RENAME,
        effective_date=effective_date,
        actor=actor,
        decision=decision,
        note=note,
        detail={"old_name": old_name, "new_name": new_name},
    )
    _link(event, [unit], LinkRole.SUBJECT)
    unit.name = new_name
    unit.name_folded = fold(new_name)
    unit._change_reason = _("renamed")  # type: ignore[attr-defined]
    unit.save(update_fields=["name", "name_folded"])
    bump_scope_generation()  # cached scopes hold unit names (the page header)
    audit(actor=actor, action="unit.rename", obj=unit, unit=unit, detail=event.detail)
    return Preview(
        kind=event.kind, effective_date=effective_date, renamed=[(unit, old_name, new_name)]
    )


# --- move -----------------------------------------------------------------------------------


def _reparent(
    *, unit: Unit, new_parent: Unit, effective_date: dt.date, event: UnitEvent, actor: Any
) -> int:
    """Put ``unit`` and its whole subtree under ``new_parent``; return how many units moved.

    Paths of the subtree are rewritten in bulk, and every moved unit gets a new placement so
    that the tree as it stood before ``effective_date`` stays answerable.
    """
    old_path = unit.path
    new_path = child_path(new_parent.path, unit.pk)
    bump_scope_generation()  # cached scopes hold unit paths
    subtree = list(Unit.objects.filter(subtree_q(old_path)).select_for_update())
    current = {
        p.unit_id: p
        for p in UnitPlacement.objects.filter(
            unit_id__in=[u.pk for u in subtree], valid_to__isnull=True
        )
    }
    for placed in current.values():
        if placed.valid_from > effective_date:
            raise ValidationError(
                _("Unit %(unit)s has a later change (%(date)s); use a date on or after it.")
                % {"unit": placed.unit_id, "date": placed.valid_from.strftime("%d/%m/%Y")},
                code="date_order",
            )
    for u in subtree:
        u.path = new_path + u.path[len(old_path) :]
        u.depth = path_depth(u.path)
        if u.pk == unit.pk:
            u.parent = new_parent
    _write_paths(subtree)
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    UnitPlacement.objects.filter(pk__in=[p.pk for p in current.values()]).update(
        valid_to=effective_date
    )
    UnitPlacement.objects.bulk_create(
        [
            UnitPlacement(
                unit=u, parent_id=u.parent_id, path=u.path, valid_from=effective_date, event=event
            )
            for u in subtree
        ],
        batch_size=2000,
    )
    _history([u for u in subtree if u.pk == unit.pk], actor, reason=_("moved"), update=True)
    unit.path, unit.depth, unit.parent = new_path, path_depth(new_path), new_parent
    return len(subtree)


def _check_move(unit: Unit, new_parent: Unit, effective_date: dt.date) -> None:
    _check_active(unit, effective_date)
    _check_active(new_parent, effective_date)
    if new_parent.path.startswith(unit.path):
        raise ValidationError(
            _("A unit cannot be moved under itself or one of its own units."), code="cycle"
        )
    _check_parent_level(unit.level, new_parent)


@transaction.atomic
def unit_move(
    *,
    actor: Any,
    unit: Unit,
    new_parent: Unit,
    effective_date: dt.date,
    decision: str = "",
    note: str = "",
) -> Preview:
    """Move a unit with all its descendants under another parent."""
    unit = (
        Unit.objects.select_for_update(of=("self",))
        .select_related("level", "parent")
        .get(pk=unit.pk)
    )
    new_parent = Unit.objects.select_related("level").get(pk=new_parent.pk)
    _check_move(unit, new_parent, effective_date)
    if unit.parent_id == new_parent.pk:
        raise ValidationError(
            _("The unit is already under %(parent)s.") % {"parent": new_parent.name}
        )
    old_parent = unit.parent
    event = _event(
        kind=UnitEventKind.MOVE,
        effective_date=effective_date,
        actor=actor,
        decision=decision,
        note=note,
        detail={"from": old_parent.code if old_parent else None, "to": new_parent.code},
    )
    _link(event, [unit], LinkRole.SUBJECT)
    count = _reparent(
        unit=unit, new_parent=new_parent, effective_date=effective_date, event=event, actor=actor
    )
    event.detail["descendants"] = count - 1
    event.save(update_fields=["detail"])
    audit(actor=actor, action="unit.move", obj=unit, unit=new_parent, detail=event.detail)
    return Preview(
        kind=event.kind,
        effective_date=effective_date,
        moved=[(unit, old_parent, new_parent)],
        descendants=count - 1,
    )


def _close(units: Sequence[Unit], effective_date: dt.date, event: UnitEvent, actor: Any) -> None:
    for u in units:
        u.valid_to = effective_date
    Unit.objects.bulk_update(list(units), ["valid_to"])
    UnitPlacement.objects.filter(unit__in=list(units), valid_to__isnull=True).update(
        valid_to=effective_date
    )
    _history(units, actor, reason=_("closed"), update=True)


def _move_children(
    *,
    children: Sequence[Unit],
    target: Unit,
    effective_date: dt.date,
    event: UnitEvent,
    actor: Any,
    preview_moves: list[tuple[Any, Any, Any]],
) -> int:
    moved = 0
    for child in children:
        old_parent = child.parent
        _check_parent_level(child.level, target)
        moved += _reparent(
            unit=child, new_parent=target, effective_date=effective_date, event=event, actor=actor
        )
        preview_moves.append((child, old_parent, target))
    return moved


def _active_children(unit: Unit, on: dt.date) -> list[Unit]:
    return list(
        unit.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("level", "parent")
        .order_by("name_folded")
    )


# --- merge ----------------------------------------------------------------------------------


@transaction.atomic
def unit_merge(
    *,
    actor: Any,
    sources: Sequence[Unit],
    effective_date: dt.date,
    target: Unit | None = None,
    new_name: str = "",
    new_code: str = "",
    parent: Unit | None = None,
    decision: str = "",
    note: str = "",
) -> Preview:
    """Merge units: A + B → C. Children, members and open work of A and B move to C.

    C is either a new unit (``new_name``, ``new_code``, under ``parent`` or A's parent) or one
    of the sources that absorbs the others (``target``). The closed units keep their history
    and name C as their successor.
    """
    ids = [u.pk for u in sources]
    if len(set(ids)) < 2:
        raise ValidationError(_("Choose at least two units to merge."), code="too_few")
    locked = {
        u.pk: u
        for u in Unit.objects.select_for_update(of=("self",))
        .select_related("level", "parent")
        .filter(pk__in=ids)
    }
    units = [locked[i] for i in ids]
    level = units[0].level
    for u in units:
        _check_active(u, effective_date)
        if u.level_id != level.pk:
            raise ValidationError(
                _(
                    "Only units of the same level can be merged: %(a)s is at level %(la)s,"
                    " %(b)s at level %(lb)s."
                )
                % {"a": units[0].name, "la": level.name, "b": u.name, "lb": u.level.name},
                code="level",
            )
        if any(o.pk != u.pk and u.path.startswith(o.path) for o in units):
            raise ValidationError(_("A unit cannot be merged with its own parent."), code="cycle")
    result = Preview(kind=UnitEventKind.MERGE, effective_date=effective_date)
    event = _event(
        kind=UnitEventKind.MERGE,
        effective_date=effective_date,
        actor=actor,
        decision=decision,
        note=note,
        detail={"sources": [u.code for u in units]},
    )
    if target is not None:
        if target.pk not in locked:
            raise ValidationError(
                _("The unit that absorbs the others must be one of the merged units."),
                code="target",
            )
        successor = locked[target.pk]
    else:
        home = parent or units[0].parent
        if home is not None:
            home = Unit.objects.select_related("level").get(pk=home.pk)
        successor = units_bulk_create(
            actor=actor,
            rows=[
                NewUnit(
                    code=_check_code(new_code),
                    name=_check_name(new_name),
                    level=level,
                    parent_code=home.code if home else None,
                )
            ],
            valid_from=effective_date,
            decision=decision,
            note=_("Established by merging %(names)s.")
            % {"names": ", ".join(u.name for u in units)},
        )[0]
        result.created.append(
            {"code": successor.code, "name": successor.name, "parent": home.name if home else ""}
        )
    closing = [u for u in units if u.pk != successor.pk]
    for u in closing:
        result.descendants += _move_children(
            children=_active_children(u, effective_date),
            target=successor,
            effective_date=effective_date,
            event=event,
            actor=actor,
            preview_moves=result.moved,
        )
    result.holdings = run_movers(
        unit_map={u.pk: successor.pk for u in closing}, actor=actor, effective_date=effective_date
    )
    _close(closing, effective_date, event, actor)
    result.closed = closing
    _link(event, units, LinkRole.SOURCE)
    _link(event, [successor], LinkRole.TARGET)
    event.detail.update(
        {
            "target": successor.code,
            "descendants": result.descendants,
            "holdings": {h.key: h.count for h in result.holdings},
        }
    )
    event.save(update_fields=["detail"])
    audit(actor=actor, action="unit.merge", obj=successor, unit=successor, detail=event.detail)
    return result


# --- split ----------------------------------------------------------------------------------


@dataclass
class SplitPart:
    """One of the units a split creates, with the children that go to it."""

    code: str
    name: str
    children: list[Unit] = field(default_factory=list)


@transaction.atomic
def unit_split(
    *,
    actor: Any,
    source: Unit,
    parts: Sequence[SplitPart],
    effective_date: dt.date,
    holdings_to: int = 0,
    decision: str = "",
    note: str = "",
) -> Preview:
    """Split a unit: A → B + C. Each child of A goes to the part the user chose.

    What hangs directly on A (members, role assignments) goes to part ``holdings_to``.
    """
    source = (
        Unit.objects.select_for_update(of=("self",))
        .select_related("level", "parent")
        .get(pk=source.pk)
    )
    _check_active(source, effective_date)
    if len(parts) < 2:
        raise ValidationError(_("A split needs at least two resulting units."), code="too_few")
    if not 0 <= holdings_to < len(parts):
        raise ValidationError(_("Choose which new unit takes over the members."), code="holdings")
    children = {c.pk: c for c in _active_children(source, effective_date)}
    assigned: dict[int, int] = {}
    for index, part in enumerate(parts):
        for child in part.children:
            if child.pk not in children:
                raise ValidationError(
                    _("%(name)s is not a unit directly under %(source)s.")
                    % {"name": child.name, "source": source.name},
                    code="not_child",
                )
            if child.pk in assigned:
                raise ValidationError(
                    _("%(name)s is given to two new units.") % {"name": child.name}, code="twice"
                )
            assigned[child.pk] = index
    missing = [c.name for pk, c in children.items() if pk not in assigned]
    if missing:
        raise ValidationError(
            _("Choose the new unit for each of: %(names)s.") % {"names": ", ".join(missing)},
            code="unassigned",
        )
    result = Preview(kind=UnitEventKind.SPLIT, effective_date=effective_date)
    event = _event(
        kind=UnitEventKind.SPLIT,
        effective_date=effective_date,
        actor=actor,
        decision=decision,
        note=note,
        detail={"source": source.code},
    )
    new_units = units_bulk_create(
        actor=actor,
        rows=[
            NewUnit(
                code=_check_code(part.code),
                name=_check_name(part.name),
                level=source.level,
                parent_code=source.parent.code if source.parent else None,
            )
            for part in parts
        ],
        valid_from=effective_date,
        decision=decision,
        note=_("Established by splitting %(name)s.") % {"name": source.name},
    )
    result.created = [
        {"code": u.code, "name": u.name, "parent": source.parent.name if source.parent else ""}
        for u in new_units
    ]
    for index, part in enumerate(parts):
        result.descendants += _move_children(
            children=[children[c.pk] for c in part.children],
            target=new_units[index],
            effective_date=effective_date,
            event=event,
            actor=actor,
            preview_moves=result.moved,
        )
    result.holdings = run_movers(
        unit_map={source.pk: new_units[holdings_to].pk}, actor=actor, effective_date=effective_date
    )
    _close([source], effective_date, event, actor)
    result.closed = [source]
    _link(event, [source], LinkRole.SOURCE)
    _link(event, new_units, LinkRole.TARGET)
    event.detail.update(
        {
            "targets": [u.code for u in new_units],
            "descendants": result.descendants,
            "holdings": {h.key: h.count for h in result.holdings},
        }
    )
    event.save(update_fields=["detail"])
    audit(actor=actor, action="unit.split", obj=source, unit=source.parent, detail=event.detail)
    return result
