"""Search: one interface, a backend per database. Callers never write backend SQL.

Two kinds of index live here:

* ``folded_match`` / ``TextIndex`` (``columns``): word-start search over one short folded
  column of a table (member names).
* ``FullTextIndex`` and the ``full_text_*`` functions: ranked full-text search over a side
  table keyed by the indexed row's id, holding folded metadata and text (documents). SQLite
  uses FTS5 (``sqlite``), PostgreSQL a tsvector with a GIN index (``postgres``); the query
  language, the folding and the snippets are shared (``text``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.migrations.operations.base import Operation
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from hoiso.core.search import postgres, sqlite
from hoiso.core.search.columns import TextIndex, folded_match, fts_table, values_using_index
from hoiso.core.search.text import (
    Clause,
    ParsedQuery,
    fold_with_offsets,
    highlight,
    index_text,
    parse_query,
    plain_excerpt,
)

__all__ = [
    "Clause",
    "FullTextIndex",
    "ParsedQuery",
    "TextIndex",
    "fold_with_offsets",
    "folded_match",
    "fts_table",
    "full_text_delete",
    "full_text_delete_orphans",
    "full_text_indexed",
    "full_text_matching",
    "full_text_optimize",
    "full_text_raw_count",
    "full_text_raw_top",
    "full_text_top",
    "full_text_top_in",
    "full_text_write",
    "highlight",
    "index_text",
    "parse_query",
    "plain_excerpt",
    "values_using_index",
]

_M = TypeVar("_M", bound=models.Model)


def _backend(vendor: str) -> ModuleType:
    if vendor == "sqlite":
        return sqlite
    if vendor == "postgresql":
        return postgres
    raise NotImplementedError(f"full-text search on {vendor}")


class FullTextIndex(Operation):
    """Migration operation: the full-text side table of a model (``table``), for the backend.

    Rows are written by ``full_text_write``; deleting a row of the model deletes its entry.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, table: str) -> None:
        self.model_name = model_name
        self.table = table

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        source = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        _backend(schema_editor.connection.vendor).create(schema_editor, self.table, source)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        source = from_state.apps.get_model(app_label, self.model_name)._meta.db_table
        _backend(schema_editor.connection.vendor).drop(schema_editor, self.table, source)

    def describe(self) -> str:
        return f"Full-text index {self.table} of {self.model_name}"


def full_text_matching(
    qs: QuerySet[_M], table: str, query: str | ParsedQuery, *, ranked: bool = True
) -> QuerySet[_M]:
    """The rows of ``qs`` that match ``query`` in ``table``.

    ``ranked`` adds the annotation ``search_score``: a float, lower is better, stable for a
    given index state (the next page's cursor carries it). An empty query matches nothing.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed:
        return qs.none()
    return _backend(connections[qs.db].vendor).matching(qs, table, parsed, ranked=ranked)


def full_text_write(
    table: str, rows: Sequence[tuple[int, str, str]], using: str = "default"
) -> None:
    """Insert or replace entries: (id, metadata text, body text), as written (folded here)."""
    if not rows:
        return
    folded = [(pk, index_text(meta), index_text(body)) for pk, meta, body in rows]
    connection = connections[using]
    with connection.cursor() as cursor:
        _backend(connection.vendor).write(cursor, table, folded)


def full_text_delete(table: str, ids: Iterable[int], using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        _backend(connection.vendor).delete(cursor, table, list(ids))


def full_text_delete_orphans(table: str, source_table: str, using: str = "default") -> int:
    """Remove entries whose row no longer exists; returns how many."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return int(_backend(connection.vendor).delete_orphans(cursor, table, source_table))


def full_text_optimize(table: str, using: str = "default") -> None:
    """After a bulk load: merge FTS5 segments / refresh PostgreSQL's statistics."""
    connection = connections[using]
    with connection.cursor() as cursor:
        _backend(connection.vendor).optimize(cursor, table)


def full_text_indexed(table: str, ids: Sequence[int], using: str = "default") -> set[int]:
    """Which of ``ids`` have an entry."""
    if not ids:
        return set()
    connection = connections[using]
    with connection.cursor() as cursor:
        return set(_backend(connection.vendor).indexed_ids(cursor, table, ids))


def full_text_top(
    table: str, query: str | ParsedQuery, limit: int = 20, using: str = "default"
) -> list[tuple[int, float]]:
    """(id, score) of the best ``limit`` entries by rank, then id, straight from the index.

    It ignores who may see what: callers keep only the ids their scoped queryset holds (the
    score is the same value ``full_text_matching`` annotates as ``search_score``). Reading the
    index alone, without joining the source rows, is what makes a broad query's first page
    cheap (see ``hoiso.documents.selectors``). Also the bench's baseline.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed:
        return []
    connection = connections[using]
    with connection.cursor() as cursor:
        return list(_backend(connection.vendor).raw_top(cursor, table, parsed, limit))


full_text_raw_top = full_text_top


def full_text_top_in(
    qs: QuerySet[_M], table: str, parsed: ParsedQuery, candidates: int, limit: int
) -> list[tuple[int, float]]:
    """(pk, score) of the first ``limit`` rows of ``qs`` among the index's best ``candidates``
    entries, by score then pk: one query, the candidates read from the index alone (no join,
    the rank computed there), then each looked up in ``qs`` (a correlated EXISTS: scope,
    secrecy, filters). Fewer than ``limit`` when ``qs`` holds fewer of them; the caller then
    ranks ``full_text_matching(qs, …)`` instead. Same scores as ``search_score``."""
    if not parsed:
        return []
    connection = connections[qs.db]
    top, top_params = _backend(connection.vendor).top_sql(table, parsed, candidates)
    inner = qs.order_by().filter(pk=RawSQL("cand.id", [])).values("pk")
    try:
        inner_sql, inner_params = inner.query.sql_with_params()
    except EmptyResultSet:  # qs.none(), or a filter that can match nothing
        return []
    sql = (
        f"SELECT cand.id, cand.score FROM ({top}) cand WHERE EXISTS ({inner_sql}) "
        "ORDER BY cand.score, cand.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*top_params, *inner_params, limit])
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def full_text_raw_count(table: str, query: str, using: str = "default") -> int:
    """How many entries match, without scoping (bench baseline only)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return int(_backend(connection.vendor).raw_count(cursor, table, parse_query(query)))
