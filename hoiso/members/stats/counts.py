"""Member counts per unit subtree and breakdown key (``MemberCount``), kept by database triggers.

A row ``(unit, dim, value, n)`` says how many members of the unit's whole subtree (the unit and
every unit under it) fall under one breakdown key. Every member contributes one count to a
handful of keys, at her own unit and at each of its ancestors:
``status`` for every record; for members in force (active or away) also her card status, type,
occupation, each digital-participation indicator answered yes (``"1"``) or not asked (``""``),
her digital score (how many indicators answered yes: the "digitally active" threshold is a
setting, read at query time), her birth year (age bands depend on today: read time too), her
join year, the keyed hash of each sensitive field of the page (never the value), and one
``dues`` key per year she has paid. The statistics page of a unit reads its own rows (the
totals) and its children's (the table by commune or chapter): a few hundred rows whatever the
size of the subtree (see selectors.py).

Why subtree totals and not per-unit counts summed at read time: a province has ~4,500 units
and each unit ~150 keys (birth and join years dominate): summing ~670,000 rows took 0.4 s on
SQLite at 500,000 members, most of the time budget of the page. A unit's ancestors are read off
its path (fixed-width id segments, hoiso/core/tree.py), so no lookup per level.

Triggers on ``members_member`` and ``members_duespayment`` keep the table right for every write
path, the ORM's and the raw ones alike (the import writer's prepared INSERT, ``bulk_update``,
``QuerySet.update`` of a restructuring, the bench loaders, a SQL console):

- SQLite: row triggers; an update fires only when a counted column changed, and adds the new
  keys and subtracts the old ones in one upsert, netted (a change of occupation touches two
  rows, not forty);
- PostgreSQL: statement triggers with transition tables (one grouped upsert per statement: a
  ``COPY`` of a million members is one aggregate, not a million upserts);
- moving a unit (``org_unit.parent_id`` changes, hoiso/org/services.py ``_reparent``) moves the
  unit's subtree totals from the old parent's ancestors to the new parent's.

The SQL here is what migration 0007 installs; if the keys change, write a new migration that
drops and re-creates the triggers, then runs ``rebuild_member_counts``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from hoiso.core.tree import SEGMENT, SEP, path_ids
from hoiso.members.choices import INDICATORS

TABLE = "members_membercount"
MEMBER = "members_member"
DUES = "members_duespayment"
UNIT = "org_unit"
IN_FORCE_SQL = "('active', 'away')"
SENSITIVE_DIMS = ("ethnicity", "religion", "party_member", "poverty")
TRIGGER_NAMES = (
    "members_count_member_insert",
    "members_count_member_update",
    "members_count_member_delete",
    "members_count_dues_insert",
    "members_count_dues_update",
    "members_count_dues_delete",
    "members_count_unit_move",
)


@dataclass(frozen=True)
class Key:
    """One breakdown: its name and the SQL of its value for a row (NULL: the row adds none)."""

    dim: str
    value: Callable[[str], str]  # row prefix ("NEW.", "m.") -> SQL expression
    in_force_only: bool = True


def _indicator(name: str) -> Callable[[str], str]:
    # yes and not asked are counted; "no" is the rest of the members in force
    return lambda r: f"CASE WHEN {r}{name} IS NULL THEN '' WHEN {r}{name} THEN '1' END"


def _score(r: str) -> str:
    parts = " + ".join(f"CASE WHEN {r}{name} THEN 1 ELSE 0 END" for name in INDICATORS)
    return f"CAST(({parts}) AS TEXT)"


KEYS: tuple[Key, ...] = (
    Key("status", lambda r: f"{r}status", in_force_only=False),
    Key("card", lambda r: f"{r}card_status"),
    Key("type", lambda r: f"{r}member_type"),
    Key("occupation", lambda r: f"{r}occupation"),
    *(Key(name, _indicator(name)) for name in INDICATORS),
    Key("digital", _score),
    Key("birth", lambda r: f"CAST({r}birth_year AS TEXT)"),
    Key("joined", lambda r: f"COALESCE(CAST({r}join_year AS TEXT), '')"),
    *(Key(name, lambda r, name=name: f"{r}{name}_idx") for name in SENSITIVE_DIMS),  # type: ignore[misc]
)
# The member columns a key reads: an update touching none of them changes no count.
COUNTED_COLUMNS = (
    "unit_id",
    "status",
    "card_status",
    "member_type",
    "occupation",
    *INDICATORS,
    "birth_year",
    "join_year",
    *(f"{name}_idx" for name in SENSITIVE_DIMS),
)


# --- the SQL ---------------------------------------------------------------------------------

STEP = SEGMENT + len(SEP)  # characters per path segment
MAX_DEPTH = 12  # the demo province is 5 deep; a deeper tree only needs a longer list here
# While this row exists (inside a bulk writer's transaction: see ``paused``), inserted members are
# not counted by the insert trigger; the writer counts them in one go (``add_members``).
PAUSED = f"SELECT 1 FROM {TABLE} WHERE unit_id = 0 AND dim = 'paused' AND value = ''"
_LEVELS = "(VALUES " + ", ".join(f"({i})" for i in range(1, MAX_DEPTH + 1)) + ") lv"


def _member_keys(r: str, sign: int, source: str = "", cond: str = "") -> list[str]:
    """SELECTs of (unit_id, dim, value, d) for the member row(s) ``r`` (``source``: FROM)."""
    frm = f" FROM {source}" if source else ""
    out = []
    for key in KEYS:
        conds = [c for c in (cond, key.in_force_only and f"{r}status IN {IN_FORCE_SQL}") if c]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        out.append(
            f"SELECT {r}unit_id AS unit_id, '{key.dim}' AS dim, {key.value(r)} AS value,"
            f" {sign} AS d{frm}{where}"
        )
    return out


def _member_dues(r: str, sign: int, source: str = "") -> str:
    """The ``dues`` keys of member row(s) ``r``: one per year paid, when in force."""
    frm = f"{source}, " if source else ""
    return (
        f"SELECT {r}unit_id AS unit_id, 'dues' AS dim, CAST(p.year AS TEXT) AS value,"
        f" {sign} AS d FROM {frm}{DUES} p"
        f" WHERE p.member_id = {r}id AND {r}status IN {IN_FORCE_SQL}"
    )


def _dues_keys(r: str, sign: int, source: str = "") -> str:
    """The ``dues`` key of payment row(s) ``r``, at the member's unit when she is in force."""
    frm = f"{source}, " if source else ""
    return (
        f"SELECT m.unit_id AS unit_id, 'dues' AS dim, CAST({r}year AS TEXT) AS value,"
        f" {sign} AS d FROM {frm}{MEMBER} m"
        f" WHERE m.id = {r}member_id AND m.status IN {IN_FORCE_SQL}"
    )


def _subtree_moves(new: str, old: str, source: str = "") -> list[str]:
    """A unit changed parent: its subtree totals leave the old parent, join the new one."""
    frm = f"{source}, " if source else ""
    rows = f"FROM {frm}{TABLE} c WHERE c.unit_id = {new}id AND c.n <> 0"
    if source:
        rows += f" AND {old}parent_id IS DISTINCT FROM {new}parent_id"
    return [
        f"SELECT {old}parent_id AS unit_id, c.dim AS dim, c.value AS value, -c.n AS d {rows}",
        f"SELECT {new}parent_id AS unit_id, c.dim AS dim, c.value AS value, c.n AS d {rows}",
    ]


def _ancestors(selects: list[str], *, unit: str = "") -> str:
    """The (unit_id, dim, value, d) rows repeated at each ancestor-or-self of their unit.

    The ancestors' ids are the segments of the unit's path: no lookup per level. ``unit``: the
    one unit every row is at (a row trigger), looked up once rather than per row.
    """
    body = " UNION ALL ".join(selects)
    ancestor = (
        f"CAST(substr(u.path, (lv.column1 - 1) * {STEP} + 1, {SEGMENT}) AS INTEGER) AS unit_id"
    )
    levels = f"JOIN {_LEVELS} ON length(u.path) >= lv.column1 * {STEP}"
    if unit:
        return (
            f"SELECT {ancestor}, k.dim AS dim, k.value AS value, k.d AS d"
            f" FROM {UNIT} u {levels}, ({body}) k"
            f" WHERE u.id = {unit} AND k.value IS NOT NULL"
        )
    return (
        f"SELECT {ancestor}, k.dim AS dim, k.value AS value, k.d AS d"
        f" FROM ({body}) k JOIN {UNIT} u ON u.id = k.unit_id {levels}"
        " WHERE k.value IS NOT NULL"
    )


def upsert(rows: str, *, net: bool = True) -> str:
    """Add the (unit_id, dim, value, d) rows to the counts; ``net``: summed by key first.

    Rows of one member and one sign hold each key once: no need to sum them.
    """
    conflict = f" ON CONFLICT (unit_id, dim, value) DO UPDATE SET n = {TABLE}.n + excluded.n"
    if not net:
        return (
            f"INSERT INTO {TABLE} (unit_id, dim, value, n) SELECT * FROM ({rows}) x WHERE 1"
            + conflict
        )
    return (
        f"INSERT INTO {TABLE} (unit_id, dim, value, n)"
        f" SELECT unit_id, dim, value, SUM(d) FROM ({rows}) x"
        " GROUP BY unit_id, dim, value HAVING SUM(d) <> 0"
        " ORDER BY unit_id, dim, value"  # one lock order for concurrent writers (PostgreSQL)
        + conflict
    )


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, table: str, when: str, statement: str) -> str:
        cond = f" WHEN {when}" if when else ""
        return (
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{cond}"
            f" BEGIN {statement}; END"
        )

    member_new = [*_member_keys("NEW.", 1), _member_dues("NEW.", 1)]
    member_old = [*_member_keys("OLD.", -1), _member_dues("OLD.", -1)]
    moves = _subtree_moves("NEW.", "OLD.")
    return [
        trigger(TRIGGER_NAMES[0], "INSERT", MEMBER, f"NOT EXISTS ({PAUSED})",
                upsert(_ancestors(_member_keys("NEW.", 1), unit="NEW.unit_id"), net=False)),
        trigger(
            TRIGGER_NAMES[1], "UPDATE", MEMBER, _changed(COUNTED_COLUMNS),
            upsert(_ancestors(member_old + member_new)),
        ),
        trigger(TRIGGER_NAMES[2], "DELETE", MEMBER, "",
                upsert(_ancestors(member_old, unit="OLD.unit_id"), net=False)),
        trigger(TRIGGER_NAMES[3], "INSERT", DUES, "",
                upsert(_ancestors([_dues_keys("NEW.", 1)]), net=False)),
        trigger(
            TRIGGER_NAMES[4], "UPDATE", DUES, _changed(("member_id", "year")),
            upsert(_ancestors([_dues_keys("OLD.", -1), _dues_keys("NEW.", 1)])),
        ),
        trigger(TRIGGER_NAMES[5], "DELETE", DUES, "",
                upsert(_ancestors([_dues_keys("OLD.", -1)]), net=False)),
        trigger(
            TRIGGER_NAMES[6], "UPDATE OF parent_id", UNIT, "OLD.parent_id IS NOT NEW.parent_id",
            upsert(_ancestors(moves)),
        ),
    ]  # fmt: skip


def postgresql_triggers() -> list[str]:
    def trigger(name: str, event: str, table: str, refs: str, statement: str) -> list[str]:
        skip = (
            f"IF EXISTS ({PAUSED}) THEN RETURN NULL; END IF; " if name == TRIGGER_NAMES[0] else ""
        )
        return [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {skip}{statement}; RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]

    member_new = [*_member_keys("n.", 1, "new_rows n"), _member_dues("n.", 1, "new_rows n")]
    member_old = [*_member_keys("o.", -1, "old_rows o"), _member_dues("o.", -1, "old_rows o")]
    dues_new = [_dues_keys("n.", 1, "new_rows n")]
    dues_old = [_dues_keys("o.", -1, "old_rows o")]
    moves = _subtree_moves("n.", "o.", "old_rows o JOIN new_rows n ON n.id = o.id")
    new, old = "NEW TABLE AS new_rows", "OLD TABLE AS old_rows"
    both = f"{old} {new}"
    return [
        *trigger(TRIGGER_NAMES[0], "INSERT", MEMBER, new,
                 upsert(_ancestors(_member_keys("n.", 1, "new_rows n")))),
        *trigger(TRIGGER_NAMES[1], "UPDATE", MEMBER, both,
                 upsert(_ancestors(member_old + member_new))),
        *trigger(TRIGGER_NAMES[2], "DELETE", MEMBER, old, upsert(_ancestors(member_old))),
        *trigger(TRIGGER_NAMES[3], "INSERT", DUES, new, upsert(_ancestors(dues_new))),
        *trigger(TRIGGER_NAMES[4], "UPDATE", DUES, both, upsert(_ancestors(dues_old + dues_new))),
        *trigger(TRIGGER_NAMES[5], "DELETE", DUES, old, upsert(_ancestors(dues_old))),
        *trigger(TRIGGER_NAMES[6], "UPDATE", UNIT, both, upsert(_ancestors(moves))),
    ]  # fmt: skip


def create_triggers_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return sqlite_triggers()
    if vendor == "postgresql":
        return postgresql_triggers()
    raise NotImplementedError(f"member counts: no triggers for {vendor}")


def drop_triggers_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES]
    tables = [MEMBER] * 3 + [DUES] * 3 + [UNIT]
    return [
        stmt
        for name, table in zip(TRIGGER_NAMES, tables, strict=True)
        for stmt in (
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"DROP FUNCTION IF EXISTS {name}()",
        )
    ]


def _own_counts_sql() -> str:
    """Every key's count at the members' own units (no ancestors), straight from the tables."""
    selects = [*_member_keys("m.", 1, f"{MEMBER} m"), _dues_keys("p.", 1, f"{DUES} p")]
    return (
        "SELECT unit_id, dim, value, SUM(d) AS d FROM (" + " UNION ALL ".join(selects) + ") k"
        " WHERE value IS NOT NULL GROUP BY unit_id, dim, value"
    )


def rebuild_sql() -> list[str]:
    """Recompute every count: per own unit first (one pass), then up the ancestors."""
    own = "member_count_own"
    return [
        f"DROP TABLE IF EXISTS {own}",
        f"CREATE TEMPORARY TABLE {own} AS {_own_counts_sql()}",
        f"DELETE FROM {TABLE}",
        upsert(_ancestors([f"SELECT unit_id, dim, value, d FROM {own}"])),
        f"DROP TABLE {own}",
    ]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Inside a transaction: members inserted in the block are not counted one by one.

    The caller counts them afterwards with ``add_members(ids)`` in the same transaction (one
    grouped statement instead of a trigger per row, ~80 upserts each). Other transactions do
    not see the marker row (PostgreSQL) or cannot write meanwhile (SQLite).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("member counts can only be paused inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (unit_id, dim, value, n) VALUES (0, 'paused', '', 0)"
            " ON CONFLICT (unit_id, dim, value) DO NOTHING"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE unit_id = 0 AND dim = 'paused'")


def add_members(ids: list[int]) -> None:
    """Count members inserted while ``paused`` (one grouped upsert)."""
    if not ids:
        return
    params: list[Any]
    if connection.vendor == "postgresql":
        cond, params = "m.id = ANY(%s)", [list(ids)]
    else:  # one parameter, whatever the number of ids
        cond, params = "m.id IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]
    selects = _member_keys("m.", 1, f"{MEMBER} m", cond)
    sql = (
        "SELECT unit_id, dim, value, SUM(d) AS d FROM (" + " UNION ALL ".join(selects) + ") k"
        " WHERE value IS NOT NULL GROUP BY unit_id, dim, value"
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert(_ancestors([sql])), params * len(selects))


def rebuild() -> int:
    """Recompute the counts table (one transaction); returns how many rows it holds."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in rebuild_sql():
            cursor.execute(statement)
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def direct_counts() -> dict[tuple[int, str, str], int]:
    """The subtree counts computed straight from members and dues, for checks and tests.

    A GROUP BY per own unit in SQL, rolled up the unit paths in Python: nothing shared with
    the triggers but the key definitions.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, path FROM {UNIT}")
        paths = dict(cursor.fetchall())
        cursor.execute(_own_counts_sql())
        own = cursor.fetchall()
    out: dict[tuple[int, str, str], int] = {}
    for unit_id, dim, value, n in own:
        for ancestor in path_ids(paths[unit_id]):
            out[(ancestor, dim, value)] = out.get((ancestor, dim, value), 0) + int(n)
    return {key: n for key, n in out.items() if n}


def stored_counts() -> dict[tuple[int, str, str], int]:
    """The counts table as it stands (rows at zero left out)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT unit_id, dim, value, n FROM {TABLE} WHERE n <> 0")
        return {(u, d, v): int(n) for u, d, v, n in cursor.fetchall()}
