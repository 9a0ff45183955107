"""PostgreSQL backend of full-text search: a side table (id, tsvector) with a GIN index.

The tsvector is built with the ``simple`` configuration (no stemming, no stop words) over the
folded words of ``index_text``: metadata with weight A, the text with weight D. Only the
tsvector is stored, not the folded text. A second, small tsvector ``head`` (metadata A, the
text's first words D, with its own GIN index) ranks: ``ts_rank`` over it, normalised by its
length (see ``hoiso.core.search`` for the order of results).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from hoiso.core.search.text import Clause, ParsedQuery

_M = TypeVar("_M", bound=models.Model)
# A tsvector holds at most 1 MB and positions up to 16,383: longer texts are cut (about 150
# pages of text; phrases beyond the 16,383rd word are not found anyway).
MAX_BODY = 300_000
_VECTOR = "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'D')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _clause(clause: Clause) -> str:
    # Terms are word characters only; single quotes make to_tsquery take them as lexemes.
    words = [f"'{t}'" for t in clause.terms]
    if clause.prefix:
        words[-1] += ":*"
    return "(" + " <-> ".join(words) + ")"


def tsquery(parsed: ParsedQuery) -> str:
    expr = " & ".join(_clause(c) for c in parsed.include)
    for clause in parsed.exclude:
        expr += f" & !{_clause(clause)}"
    return expr


def _include_tsquery(parsed: ParsedQuery) -> str:
    return " & ".join(_clause(c) for c in parsed.include)


def create(schema_editor: Any, table: str, source_table: str) -> None:
    # No foreign key: Django's test flush TRUNCATEs the source table on its own, which a
    # reference would refuse. A trigger removes the entry of a deleted row instead.
    schema_editor.execute(
        f"CREATE TABLE {_q(table)} (id bigint PRIMARY KEY, tsv tsvector NOT NULL)"
    )
    schema_editor.execute(f"CREATE INDEX {_q(table + '_tsv')} ON {_q(table)} USING gin (tsv)")
    function = _q(table + "_ad")
    schema_editor.execute(
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {_q(table)} WHERE id = OLD.id; RETURN OLD; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {function} AFTER DELETE ON {_q(source_table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )


def drop(schema_editor: Any, table: str, source_table: str) -> None:
    function = _q(table + "_ad")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {function} ON {_q(source_table)}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {_q(table)}")


def create_head(schema_editor: Any, table: str, source_table: str) -> None:
    schema_editor.execute(
        f"ALTER TABLE {_q(table)} ADD COLUMN head tsvector NOT NULL DEFAULT ''::tsvector"
    )
    schema_editor.execute(f"CREATE INDEX {_q(table + '_head')} ON {_q(table)} USING gin (head)")


def drop_head(schema_editor: Any, table: str, source_table: str) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {_q(table + '_head')}")
    schema_editor.execute(f"ALTER TABLE {_q(table)} DROP COLUMN IF EXISTS head")


def write(cursor: Any, table: str, rows: Sequence[tuple[int, str, str, str]]) -> None:
    """Rows of (id, folded metadata, folded text, folded first words of the text)."""
    cursor.executemany(
        f"INSERT INTO {_q(table)} (id, tsv, head) VALUES (%s, {_VECTOR}, {_VECTOR}) "
        "ON CONFLICT (id) DO UPDATE SET tsv = EXCLUDED.tsv, head = EXCLUDED.head",
        [(pk, meta, body[:MAX_BODY], meta, head) for pk, meta, body, head in rows],
    )


def delete(cursor: Any, table: str, ids: Iterable[int]) -> None:
    cursor.execute(f"DELETE FROM {_q(table)} WHERE id = ANY(%s)", [list(ids)])


def delete_orphans(cursor: Any, table: str, source_table: str) -> int:
    cursor.execute(
        f"DELETE FROM {_q(table)} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {_q(source_table)} d WHERE d.id = s.id)"
    )
    return int(cursor.rowcount or 0)


def optimize(cursor: Any, table: str) -> None:
    cursor.execute(f"ANALYZE {_q(table)}")


def indexed_ids(cursor: Any, table: str, ids: Sequence[int]) -> set[int]:
    cursor.execute(f"SELECT id FROM {_q(table)} WHERE id = ANY(%s)", [list(ids)])
    return {row[0] for row in cursor.fetchall()}


def _rank(t: str) -> str:
    # float8: the cursor of the next page carries the rank, and must compare equal to it.
    return f"(-ts_rank({t}.tsv, to_tsquery('simple', %s), 1))::float8"


def _head_rank(t: str) -> str:
    return f"(-ts_rank({t}.head, to_tsquery('simple', %s), 1))::float8"


def matching(qs: QuerySet[Any], table: str, parsed: ParsedQuery, *, ranked: bool) -> Any:
    source = _q(qs.model._meta.db_table)
    pk = _q(str(qs.model._meta.pk.column))
    t = _q(table)
    query = tsquery(parsed)
    # extra(): the ORM has no join to a table without a model; the SQL is ours, user text
    # only ever travels as a parameter.
    extended = qs.extra(
        tables=[table],
        where=[f"{t}.id = {source}.{pk}", f"{t}.tsv @@ to_tsquery('simple', %s)"],
        params=[query],
    )
    if ranked:
        # Every match scored one by one: for tests and small sets; pages come from
        # ``head_sql`` / ``rest_sql``.
        include = _include_tsquery(parsed)
        score = (
            f"CASE WHEN {t}.head @@ to_tsquery('simple', %s) THEN {_head_rank(t)} "
            f"ELSE 1.0::float8 / {t}.id END"
        )
        extended = extended.annotate(search_score=RawSQL(score, [include, include]))
    return extended


def head_sql(table: str, parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL of the first tier: columns ``id``, ``score`` (ts_rank over ``head``, negated)."""
    t = _q(table)
    include = _include_tsquery(parsed)
    sql = f"SELECT id, {_head_rank(t)} AS score FROM {t} WHERE head @@ to_tsquery('simple', %s)"
    params: list[Any] = [include, include]
    if parsed.exclude:  # the head holds every word; what is excluded may be further down
        sql += " AND tsv @@ to_tsquery('simple', %s)"
        params.append(tsquery(parsed))
    return sql, params


def rest_sql(table: str, parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL of the second tier: columns ``id``, ``score`` (1 / id), the matches not in the first."""
    t = _q(table)
    return (
        f"SELECT id, 1.0::float8 / id AS score FROM {t} WHERE tsv @@ to_tsquery('simple', %s) "
        "AND NOT (head @@ to_tsquery('simple', %s))",
        [tsquery(parsed), _include_tsquery(parsed)],
    )


def raw_top(cursor: Any, table: str, parsed: ParsedQuery, limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` rows by rank straight from the index, no scoping (bench baseline)."""
    t = _q(table)
    query = tsquery(parsed)
    cursor.execute(
        f"SELECT id, {_rank(t)} AS r FROM {t} WHERE tsv @@ to_tsquery('simple', %s) "
        "ORDER BY r, id LIMIT %s",
        [query, query, limit],
    )
    return list(cursor.fetchall())


def raw_count(cursor: Any, table: str, parsed: ParsedQuery) -> int:
    t = _q(table)
    cursor.execute(
        f"SELECT count(*) FROM {t} WHERE tsv @@ to_tsquery('simple', %s)", [tsquery(parsed)]
    )
    return int(cursor.fetchone()[0])
