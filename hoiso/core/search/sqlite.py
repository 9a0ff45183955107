"""SQLite backend of full-text search: an FTS5 table whose rowid is the indexed row's id.

Two columns, ``meta`` (metadata) and ``body`` (the text), hold folded words (``index_text``).
A second, small FTS5 table ``<table>_head`` (``meta``, ``head``: the metadata and the text's
first words) ranks: FTS5's ``bm25`` over it, metadata counting four times as much as the text
(see ``hoiso.core.search`` for the order of results).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from hoiso.core.search.text import Clause, ParsedQuery

_M = TypeVar("_M", bound=models.Model)
META_WEIGHT = 4.0


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _clause(clause: Clause) -> str:
    # Terms are word characters only (split on [\W_]); quoting makes FTS5 read them literally.
    return '"' + " ".join(clause.terms) + '"' + (" *" if clause.prefix else "")


def match_expression(parsed: ParsedQuery) -> str:
    expr = " AND ".join(_clause(c) for c in parsed.include)
    for clause in parsed.exclude:
        expr = f"({expr}) NOT {_clause(clause)}"
    return expr


def _include_expression(parsed: ParsedQuery) -> str:
    return " AND ".join(_clause(c) for c in parsed.include)


def _head(table: str) -> str:
    return table + "_head"


def create(schema_editor: Any, table: str, source_table: str) -> None:
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {_q(table)} USING fts5(meta, body, tokenize='unicode61')"
    )
    # Rows deleted from the source table leave the index with them.
    schema_editor.execute(
        f"CREATE TRIGGER {_q(table + '_ad')} AFTER DELETE ON {_q(source_table)} "
        f"BEGIN DELETE FROM {_q(table)} WHERE rowid = old.id; END"
    )


def drop(schema_editor: Any, table: str, source_table: str) -> None:
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {_q(table + '_ad')}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {_q(table)}")


def create_head(schema_editor: Any, table: str, source_table: str) -> None:
    create(schema_editor, _head(table), source_table)


def drop_head(schema_editor: Any, table: str, source_table: str) -> None:
    drop(schema_editor, _head(table), source_table)


def write(cursor: Any, table: str, rows: Sequence[tuple[int, str, str, str]]) -> None:
    """Rows of (id, folded metadata, folded text, folded first words of the text)."""
    delete(cursor, table, [row[0] for row in rows])
    cursor.executemany(
        f"INSERT INTO {_q(table)}(rowid, meta, body) VALUES (%s, %s, %s)",
        [(pk, meta, body) for pk, meta, body, _ in rows],
    )
    cursor.executemany(
        f"INSERT INTO {_q(_head(table))}(rowid, meta, body) VALUES (%s, %s, %s)",
        [(pk, meta, head) for pk, meta, _, head in rows],
    )


def delete(cursor: Any, table: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        for name in (table, _head(table)):
            cursor.execute(f"DELETE FROM {_q(name)} WHERE rowid IN ({marks})", chunk)


def delete_orphans(cursor: Any, table: str, source_table: str) -> int:
    removed = 0
    for name in (table, _head(table)):
        cursor.execute(
            f"DELETE FROM {_q(name)} WHERE rowid NOT IN (SELECT id FROM {_q(source_table)})"
        )
        removed = removed or int(cursor.rowcount or 0)
    return removed


def optimize(cursor: Any, table: str) -> None:
    for name in (table, _head(table)):
        cursor.execute(f"INSERT INTO {_q(name)}({_q(name)}) VALUES ('optimize')")


def indexed_ids(cursor: Any, table: str, ids: Sequence[int]) -> set[int]:
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(f"SELECT rowid FROM {_q(table)} WHERE rowid IN ({marks})", list(ids))
    return {row[0] for row in cursor.fetchall()}


def _head_rank(table: str) -> str:
    return f"bm25({_q(_head(table))}, {META_WEIGHT}, 1.0)"


def matching(qs: QuerySet[Any], table: str, parsed: ParsedQuery, *, ranked: bool) -> Any:
    source = _q(qs.model._meta.db_table)
    pk = _q(str(qs.model._meta.pk.column))
    t = _q(table)
    # extra(): the ORM has no join to a table without a model; the SQL is ours, user text
    # only ever travels as a parameter.
    extended = qs.extra(
        tables=[table],
        where=[f"{t}.rowid = {source}.{pk}", f"{t} MATCH %s"],
        params=[match_expression(parsed)],
    )
    if ranked:
        # Every match scored one by one (a lookup in the head table each): for tests and
        # small sets; pages come from ``head_sql`` / ``rest_sql``.
        h = _q(_head(table))
        score = (
            f"COALESCE((SELECT {_head_rank(table)} FROM {h} WHERE {h} MATCH %s "
            f"AND {h}.rowid = {t}.rowid), 1.0 / {t}.rowid)"
        )
        extended = extended.annotate(search_score=RawSQL(score, [_include_expression(parsed)]))
    return extended


def head_sql(table: str, parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL of the first tier: columns ``id``, ``score`` (bm25 over the head entry, < 0)."""
    h = _q(_head(table))
    sql = f"SELECT rowid AS id, {_head_rank(table)} AS score FROM {h} WHERE {h} MATCH %s"
    params: list[Any] = [_include_expression(parsed)]
    if parsed.exclude:  # the head holds every word; what is excluded may be further down
        t = _q(table)
        sql += f" AND rowid IN (SELECT rowid FROM {t} WHERE {t} MATCH %s)"
        params.append(match_expression(parsed))
    return sql, params


def rest_sql(table: str, parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL of the second tier: columns ``id``, ``score`` (1 / id), the matches not in the first."""
    t = _q(table)
    h = _q(_head(table))
    return (
        f"SELECT rowid AS id, 1.0 / rowid AS score FROM {t} WHERE {t} MATCH %s "
        f"AND rowid NOT IN (SELECT rowid FROM {h} WHERE {h} MATCH %s)",
        [match_expression(parsed), _include_expression(parsed)],
    )


def raw_top(cursor: Any, table: str, parsed: ParsedQuery, limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` rows by rank straight from the index, no scoping (bench baseline)."""
    t = _q(table)
    cursor.execute(
        f"SELECT rowid, bm25({t}, {META_WEIGHT}, 1.0) AS r FROM {t} WHERE {t} MATCH %s "
        "ORDER BY r, rowid LIMIT %s",
        [match_expression(parsed), limit],
    )
    return list(cursor.fetchall())


def raw_count(cursor: Any, table: str, parsed: ParsedQuery) -> int:
    t = _q(table)
    cursor.execute(f"SELECT count(*) FROM {t} WHERE {t} MATCH %s", [match_expression(parsed)])
    return int(cursor.fetchone()[0])
