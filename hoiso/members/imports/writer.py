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
from hoiso.core.search import fts_table
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


@dataclass(frozen=True)
class _Table:
    """The columns of one table that an insert writes, and how each value is adapted."""

    name: str
    fields: tuple[Any, ...]
    converters: dict[str, Callable[[Any], Any]]  # by attname, for the fields that need one


def _remember_last(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A conversion that remembers its last answer: a batch shares one time and many dates."""
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def _table(model: type[Any], *, skip: frozenset[str]) -> _Table:
    fields = tuple(f for f in model._meta.concrete_fields if f.attname not in skip)

    def converter(field: Any) -> Callable[[Any], Any]:
        if field.get_internal_type() == "DateField" and connection.vendor == "sqlite":
            return str  # what DateField.get_db_prep_save gives there, for a date, but faster
        return _remember_last(functools.partial(field.get_db_prep_save, connection=connection))

    converters = {
        f.attname: converter(f) for f in fields if f.get_internal_type() not in _SIMPLE_TYPES
    }
    return _Table(model._meta.db_table, fields, converters)


def _literal(value: Any) -> str | None:
    """An adapted value as an SQL literal, for the plain kinds only (None otherwise)."""
    if value is None:
        return "NULL"
    if value.__class__ is bool:
        if connection.vendor == "sqlite":
            return "1" if value else "0"
        return "TRUE" if value else "FALSE"
    if value.__class__ is int:
        return str(value)
    if value.__class__ is str and "\\" not in value and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _chunk_plan(table: _Table, drafts: list[dict[str, Any]]) -> _Plan:
    """The INSERT for one chunk: a column with one value in every row is written as a literal.

    Most of a member's sixty columns hold the same default in every imported row (no card, no
    indicators, the import's time and source): binding them row by row was a third of the
    insert. Only the same object in every row counts (``is``), so nothing is guessed.
    """
    quote = connection.ops.quote_name
    mark = "?" if connection.vendor == "sqlite" else "%s"
    first = drafts[0]
    values: list[str] = []
    varying: list[str] = []
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for field in table.fields:
        name = field.attname
        value = first[name]
        convert = table.converters.get(name)
        literal = None
        if all(draft[name] is value for draft in drafts):
            adapted = convert(value) if convert is not None and value is not None else value
            literal = _literal(adapted)
        if literal is not None:
            values.append(literal)
            continue
        if convert is not None:
            converters.append((len(varying), convert))
        varying.append(name)
        values.append(mark)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table.name), ", ".join(quote(f.column) for f in table.fields), ", ".join(values)
    )
    if len(varying) == 1:
        only = varying[0]
        return _Plan(sql, lambda row: (row[only],), tuple(converters))
    return _Plan(sql, operator.itemgetter(*varying), tuple(converters))


def _values(plan: _Plan, row: dict[str, Any]) -> tuple[Any, ...]:
    values = plan.getter(row)
    if not plan.converters:
        return values
    adapted = list(values)
    for i, convert in plan.converters:
        value = adapted[i]
        if value is not None:
            adapted[i] = convert(value)
    return tuple(adapted)


def _insert(plan: _Plan, rows: list[tuple[Any, ...]]) -> list[int]:
    """SQLite: one prepared INSERT run over every row; returns the new primary keys."""
    raw = connection.connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(plan.sql, rows)
        # Inside the transaction (BEGIN IMMEDIATE holds the write lock) the rows just
        # inserted took consecutive rowids ending at last_insert_rowid().
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
    finally:
        cursor.close()


def _copy(table: _Table, drafts: list[dict[str, Any]]) -> list[int]:
    """PostgreSQL: ids drawn from the sequence, then every row in one ``COPY … FROM STDIN``.

    COPY streams the rows without a statement per row (several times faster than a batched
    INSERT); the insert triggers fire as for an INSERT (the statement-level ones once).
    """
    quote = connection.ops.quote_name
    names = [f.attname for f in table.fields]
    converters = [(i, table.converters[n]) for i, n in enumerate(names) if n in table.converters]
    getter = operator.itemgetter(*names)
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table.name, len(drafts)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(quote(f.column) for f in table.fields)
        with cursor.copy(f"COPY {quote(table.name)} (id, {columns}) FROM STDIN") as copy:
            for pk, draft in zip(ids, drafts, strict=True):
                row = list(getter(draft))
                for i, convert in converters:
                    if row[i] is not None:
                        row[i] = convert(row[i])
                copy.write_row((pk, *row))
    return ids


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
    _roomy_page_cache()
    drafts = _member_rows(rows, source=source, now=now)
    with member_counts.paused():  # counted below in one statement, not by a trigger per row
        if connection.vendor == "postgresql":
            ids = _copy(_member_table(), drafts)
        else:
            plan = _chunk_plan(_member_table(), drafts)
            ids = _insert(plan, [_values(plan, d) for d in drafts])
    member_counts.add_members(ids)
    if len(ids) != len(drafts):  # pragma: no cover - every supported backend returns them
        raise RuntimeError("the database did not return the new member ids")
    user = actor if actor is not None and actor.is_authenticated else None
    extra = {
        "history_date": _HISTORY_DATE.get_db_prep_save(now, connection=connection),
        "history_change_reason": reason or _("imported"),
        "history_type": "+",
        "history_user_id": user.pk if user is not None else None,
    }
    _insert_history(ids, extra)
    return ids


_HISTORY_EXTRA: Final = (
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)
_HISTORY_DATE: Final = Member.history.model._meta.get_field("history_date")
_HISTORY_SQL: dict[str, tuple[str, tuple[str, ...]]] = {}


def _history_sql() -> tuple[str, tuple[str, ...]]:
    """``INSERT INTO history SELECT … FROM members``: the history rows copied by the database.

    A historical row is the member's columns (those simple-history keeps) plus the history
    columns, which are bound once per statement (``%s``, in the order returned).
    """
    cached = _HISTORY_SQL.get(connection.vendor)
    if cached is not None:
        return cached
    history = Member.history.model
    quote = connection.ops.quote_name
    member_columns = {f.column for f in Member._meta.concrete_fields}
    columns: list[str] = []
    selected: list[str] = []
    params: list[str] = []
    for f in history._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        columns.append(quote(f.column))
        if f.attname in _HISTORY_EXTRA:
            selected.append("%s")
            params.append(f.attname)
        elif f.column in member_columns:
            selected.append(quote(f.column))
        else:  # pragma: no cover - a history field the member table does not have
            raise RuntimeError(f"no member column for the history field {f.attname}")
    where = "id BETWEEN %s AND %s" if connection.vendor == "sqlite" else "id = ANY(%s)"
    sql = "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {} ORDER BY id".format(
        quote(history._meta.db_table),
        ", ".join(columns),
        ", ".join(selected),
        quote(Member._meta.db_table),
        where,
    )
    _HISTORY_SQL[connection.vendor] = (sql, tuple(params))
    return sql, tuple(params)


def _insert_history(ids: list[int], extra: dict[str, Any]) -> None:
    """The "+" history rows of the members ``ids`` just inserted, in one statement.

    The rows are exactly those ``bulk_history_create`` would write (the member's values as
    stored, the history columns of ``extra``), without building and binding them in Python.
    """
    sql, names = _history_sql()
    params: list[Any] = [extra[name] for name in names]
    if connection.vendor == "sqlite":
        # Consecutive rowids (see ``_insert``): a range, whatever the number of rows.
        params += [ids[0], ids[-1]]
    else:
        params.append(list(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(ids):  # pragma: no cover - the rows were inserted just now
            raise RuntimeError("the history rows do not match the members inserted")


# --- bulk loading (SQLite) -------------------------------------------------------------------

# An import at least this long, into a registry no larger than it, is a bulk load.
BULK_LOAD_MIN_ROWS: Final = 1000
# Indexes the import itself reads while it runs (duplicates against the registry): kept.
_KEPT_INDEX_COLUMNS: Final = frozenset({"id_number_idx"})
_FTS_COLUMN: Final = "name_folded"


@dataclass
class BulkLoad:
    """What ``bulk_load_start`` set aside, for ``bulk_load_end`` to rebuild."""

    first_id: int  # members with a larger id are the ones inserted since
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX …) of the member and history tables
    fts: tuple[str, str] | None  # (FTS table, its insert trigger's CREATE TRIGGER …)


def bulk_load_start(expected_rows: int) -> BulkLoad | None:
    """SQLite, inside the import's transaction: make a big import an index build, not upkeep.

    When the file holds at least ``BULK_LOAD_MIN_ROWS`` rows and at least as many as the
    registry already has, the secondary (non-unique) indexes of the member and history tables
    and the folded-name FTS trigger are dropped, to be built once from the new rows by
    ``bulk_load_end``: maintaining a dozen indexes with random keys row by row costs several
    times more than sorting once. Unique indexes and the ID-number index (the duplicate
    check reads it during the import) stay. DDL is transactional in SQLite: a rollback puts
    everything back, and other connections keep seeing the old schema until the commit.
    Returns None (nothing done) otherwise, and always on PostgreSQL, where dropping an index
    would lock the table against readers for the whole import.
    """
    if connection.vendor != "sqlite" or not connection.in_atomic_block:
        return None
    member_table = Member._meta.db_table
    history_table = Member.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*), COALESCE(MAX(id), 0) FROM "{member_table}"')
        existing, last_id = cursor.fetchone()
        if expected_rows < max(BULK_LOAD_MIN_ROWS, existing):
            return None
        indexes: list[tuple[str, str]] = []
        for table in (member_table, history_table):
            cursor.execute(f'PRAGMA index_list("{table}")')
            for _seq, name, unique, origin, _partial in cursor.fetchall():
                if unique or origin != "c":  # constraints and primary keys stay
                    continue
                cursor.execute(f'PRAGMA index_info("{name}")')
                first = cursor.fetchone()
                if table == member_table and first is not None and first[2] in _KEPT_INDEX_COLUMNS:
                    continue
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name]
                )
                indexes.append((name, cursor.fetchone()[0]))
        fts_name = fts_table(member_table, _FTS_COLUMN)
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [f"{fts_name}_ai"],
        )
        found = cursor.fetchone()
        fts = (fts_name, found[0]) if found else None
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        if fts is not None:
            cursor.execute(f'DROP TRIGGER "{fts_name}_ai"')
    return BulkLoad(first_id=last_id, indexes=indexes, fts=fts)


def bulk_load_end(load: BulkLoad) -> None:
    """Rebuild what ``bulk_load_start`` dropped, in the same transaction (before the commit)."""
    with connection.cursor() as cursor:
        for _name, sql in load.indexes:
            cursor.execute(sql)
        if load.fts is not None:
            fts_name, trigger_sql = load.fts
            cursor.execute(
                f'INSERT INTO "{fts_name}"(rowid, "{_FTS_COLUMN}") '
                f'SELECT id, "{_FTS_COLUMN}" FROM "{Member._meta.db_table}" WHERE id > %s',
                [load.first_id],
            )
            cursor.execute(trigger_sql)


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


_TABLES: dict[str, _Table] = {}


def _member_table() -> _Table:
    """The member columns an import writes, for this connection's database (built once)."""
    table = _TABLES.get(connection.vendor)
    if table is None:
        table = _TABLES[connection.vendor] = _table(Member, skip=frozenset({"id"}))
    return table


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
