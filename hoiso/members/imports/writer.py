"""The bulk write path of the member import: many members, their history, one audit row.

``members_bulk_create`` is the service: one transaction holds the rows, their history and the
audit row of the batch. The streaming importer writes a big file chunk by chunk with
``members_insert`` inside its own transaction and calls ``members_import_audit`` once at the end.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hoiso.core.audit import audit
from hoiso.members.choices import Status
from hoiso.members.models import Member
from hoiso.members.services import Clean, apply_input
from hoiso.members.stats import counts as member_counts

if TYPE_CHECKING:
    from hoiso.org.models import Unit

_SIMPLE_TYPES: Final = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


class _Draft:
    """What ``apply_input`` writes a profile onto: the member's columns, nothing else.

    ``Model.__init__`` and the ORM's insert compiler cost more than validating a row; a plain
    object keeps ``apply_input`` (the one place derived and encrypted columns are computed)
    and skips them.
    """


@dataclass(frozen=True)
class _Plan:
    """How rows of one table are inserted: the statement, the columns, their conversions."""

    sql: str
    getter: Callable[[dict[str, Any]], tuple[Any, ...]]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, adapt) when needed


def _remember_last(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A conversion that remembers its last answer: a batch shares one time and many dates."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _plan(model: type[Any], *, skip: frozenset[str]) -> _Plan:
    fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
    quote = connection.ops.quote_name
    mark = "?" if connection.vendor == "sqlite" else "%s"
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join([mark] * len(fields)),
    )

    def converter(field: Any) -> Callable[[Any], Any]:
        if field.get_internal_type() == "DateField" and connection.vendor == "sqlite":
            return str  # what DateField.get_db_prep_save gives there, for a date, but faster
        return _remember_last(functools.partial(field.get_db_prep_save, connection=connection))

    converters = tuple(
        (i, converter(f))
        for i, f in enumerate(fields)
        if f.get_internal_type() not in _SIMPLE_TYPES
    )
    return _Plan(sql, operator.itemgetter(*(f.attname for f in fields)), converters)


def _values(plan: _Plan, row: dict[str, Any]) -> tuple[Any, ...]:
    values = list(plan.getter(row))
    for i, convert in plan.converters:
        value = values[i]
        if value is not None:
            values[i] = convert(value)
    return tuple(values)


def _insert(plan: _Plan, rows: list[tuple[Any, ...]], *, ids: bool) -> list[int]:
    """One prepared INSERT run over every row; the new primary keys when ``ids``."""
    raw = connection.connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        if connection.vendor == "sqlite":
            cursor.executemany(plan.sql, rows)
            if not ids:
                return []
            # Inside the transaction (BEGIN IMMEDIATE holds the write lock) the rows just
            # inserted took consecutive rowids ending at last_insert_rowid().
            last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
            return list(range(last - len(rows) + 1, last + 1))
        if not ids:
            cursor.executemany(plan.sql, rows)
            return []
        cursor.executemany(plan.sql + " RETURNING id", rows, returning=True)
        new: list[int] = []
        while True:
            new.append(cursor.fetchone()[0])
            if not cursor.nextset():
                break
        return new
    finally:
        cursor.close()


def _member_rows(
    rows: Sequence[tuple[Clean, Unit]], *, source: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """Each row's columns, as ``member_create`` would set them (defaults, then the profile)."""
    template = Member(status=Status.ACTIVE, source=source)
    defaults = {
        f.attname: template.__dict__[f.attname]
        for f in Member._meta.concrete_fields
        if not f.primary_key
    }
    defaults["photo"] = ""
    defaults["created_at"] = defaults["updated_at"] = now
    drafts: list[dict[str, Any]] = []
    for clean, unit in rows:
        draft = _Draft()
        values = draft.__dict__
        values.update(defaults)
        values["unit_id"] = unit.pk
        values["status_date"] = clean.data.join_date
        apply_input(draft, clean)  # type: ignore[arg-type]
        drafts.append(values)
    return drafts


def members_insert(
    *,
    actor: Any,
    rows: Sequence[tuple[Clean, Unit]],
    source: str = "import",
    reason: str = "",
) -> list[int]:
    """Insert validated members and their history rows; return the new ids. No audit row.

    Must run inside a transaction. The history rows are those ``bulk_history_create`` would
    write (history type "+", the actor, the reason, one time), inserted the same way.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("members_insert must run inside a transaction")
    if not rows:
        return []
    now = timezone.now()
    plans = _plans()
    _roomy_page_cache()
    drafts = _member_rows(rows, source=source, now=now)
    with member_counts.paused():  # counted below in one statement, not by a trigger per row
        ids = _insert(plans.member, [_values(plans.member, d) for d in drafts], ids=True)
    member_counts.add_members(ids)
    if len(ids) != len(drafts):  # pragma: no cover - every supported backend returns them
        raise RuntimeError("the database did not return the new member ids")
    user = actor if actor is not None and actor.is_authenticated else None
    extra = {
        "history_date": now,
        "history_change_reason": reason or _("imported"),
        "history_type": "+",
        "history_user_id": user.pk if user is not None else None,
    }
    history = []
    for pk, draft in zip(ids, drafts, strict=True):
        draft["id"] = pk
        draft.update(extra)
        history.append(_values(plans.history, draft))
    _insert(plans.history, history, ids=False)
    return ids


# SQLite's default page cache (2 MB) thrashes on the member indexes (random keyed hashes,
# name sort keys) of a big batch; 64 MB cuts the insert time by a fifth at 50,000 rows.
_SQLITE_CACHE_KIB: Final = 65536


def _roomy_page_cache() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        current = cursor.fetchone()[0]
        # Negative: KiB; positive: pages (of 4 KiB by default).
        if (-current if current < 0 else current * 4) < _SQLITE_CACHE_KIB:
            cursor.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")


@dataclass(frozen=True)
class _Plans:
    member: _Plan
    history: _Plan


_PLANS: dict[str, _Plans] = {}


def _plans() -> _Plans:
    """The statements for this connection's database (one plan per vendor, built once)."""
    plans = _PLANS.get(connection.vendor)
    if plans is None:
        history = Member.history.model
        plans = _Plans(
            member=_plan(Member, skip=frozenset({"id"})),
            history=_plan(history, skip=frozenset({"history_id"})),
        )
        _PLANS[connection.vendor] = plans
    return plans


def members_import_audit(
    *, actor: Any, unit: Unit | None, count: int, file_name: str, detail: dict[str, Any]
) -> None:
    """The one audit row of an import batch: how many members, from which file, into where."""
    audit(
        actor=actor,
        action="member.import",
        unit=unit,
        object_type="members.member",
        object_repr=ngettext("%(count)d member", "%(count)d members", count) % {"count": count},
        detail={"count": count, "file": file_name, **detail},
    )


@transaction.atomic
def members_bulk_create(
    *,
    actor: Any,
    rows: list[tuple[Clean, Unit]],
    source: str = "import",
    file_name: str = "",
    unit: Unit | None = None,
    today: dt.date | None = None,
) -> int:
    """Register many validated members at once: the rows, their history, one audit row.

    ``rows`` come from ``clean_member`` (the caller has checked duplicates); ``unit`` is where
    the batch was imported into, for the audit row. Returns how many members were created.
    """
    created = members_insert(actor=actor, rows=rows, source=source)
    members_import_audit(
        actor=actor,
        unit=unit,
        count=len(created),
        file_name=file_name,
        detail={"date": (today or timezone.localdate()).isoformat()},
    )
    return len(created)
