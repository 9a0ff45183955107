"""Search: one interface, a backend per database. Callers never write backend SQL.

Two kinds of index live here:

* ``folded_match`` / ``TextIndex`` (``columns``): word-start search over one short folded
  column of a table (member names).
* ``FullTextIndex`` and the ``full_text_*`` functions: ranked full-text search over a side
  table keyed by the indexed row's id, holding folded metadata and text (documents). SQLite
  uses FTS5 (``sqlite``), PostgreSQL a tsvector with a GIN index (``postgres``); the query
  language, the folding and the snippets are shared (``text``).

The order of full-text results (``full_text_ranked``; ``search_score``, lower is better), the
same on both backends:

1. the **head matches**: entries whose *head* (the metadata plus the text's first
   ``HEAD_WORDS`` words) holds every word and phrase of the query, ranked by relevance over the
   head alone (BM25 on SQLite, ``ts_rank`` on PostgreSQL; metadata weighs more than the text),
   ties by id; their score is the negated rank (< 0);
2. then **every other match** (the words are further down the text), newest first (highest id
   first); their score is ``1 / id`` (> 0).

Ranking over the head only is what keeps a page cheap at archive size: the rank is computed for
the few entries that hold the words near the top, never for every match (BM25 / ``ts_rank``
over each matching full text cost more than the whole budget at 100,000 documents), and the
rest stream from the index newest first and stop at the page's end. See docs/decisions.md.
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
    "full_text_ranked",
    "full_text_raw_count",
    "full_text_raw_top",
    "full_text_top",
    "full_text_write",
    "highlight",
    "index_text",
    "parse_query",
    "plain_excerpt",
    "values_using_index",
]

_M = TypeVar("_M", bound=models.Model)
# The head of an entry: its metadata and the first HEAD_WORDS (folded) words of its text.
HEAD_WORDS = 200


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


class FullTextHead(FullTextIndex):
    """Migration operation: the head index (metadata + first words, what ranks) of a
    ``FullTextIndex`` table: a second FTS5 table on SQLite, a ``head`` tsvector column with its
    GIN index on PostgreSQL. Entries written before it have an empty head until rewritten."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        source = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        _backend(schema_editor.connection.vendor).create_head(schema_editor, self.table, source)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        source = from_state.apps.get_model(app_label, self.model_name)._meta.db_table
        _backend(schema_editor.connection.vendor).drop_head(schema_editor, self.table, source)

    def describe(self) -> str:
        return f"Full-text head index of {self.table}"


def full_text_matching(
    qs: QuerySet[_M], table: str, query: str | ParsedQuery, *, ranked: bool = True
) -> QuerySet[_M]:
    """The rows of ``qs`` that match ``query`` in ``table``.

    ``ranked`` adds the annotation ``search_score`` (see the module docstring; lower is
    better), computed row by row: for tests and small sets, pages come from
    ``full_text_ranked``. An empty query matches nothing.
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
    folded = []
    for pk, meta, body in rows:
        words = index_text(body)
        head = " ".join(words.split(" ", HEAD_WORDS)[:HEAD_WORDS])
        folded.append((pk, index_text(meta), words, head))
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
    score is BM25 / ``ts_rank`` over the whole entry, computed for every match: the ranking of
    earlier versions, now the bench's baseline).
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed:
        return []
    connection = connections[using]
    with connection.cursor() as cursor:
        return list(_backend(connection.vendor).raw_top(cursor, table, parsed, limit))


full_text_raw_top = full_text_top


def full_text_ranked(
    qs: QuerySet[_M],
    table: str,
    parsed: ParsedQuery,
    limit: int,
    after: tuple[float, int] | None = None,
) -> list[tuple[int, float]]:
    """(pk, score) of the next ``limit`` rows of ``qs`` matching ``parsed``, in the index's
    order (module docstring), after the row ``after`` = (score, pk) of a previous page.

    At most two queries: the head matches (ranked, each looked up in ``qs`` by a correlated
    EXISTS: scope, secrecy, filters), then, when they do not fill the page, the other matches
    newest first, read from the index in id order until the page is full. The scores equal
    ``full_text_matching(…, ranked=True)``'s ``search_score``."""
    if not parsed or limit <= 0:
        return []
    connection = connections[qs.db]
    backend = _backend(connection.vendor)
    inner = qs.order_by().filter(pk=RawSQL("cand.id", [])).values("pk")
    try:
        inner_sql, inner_params = inner.query.sql_with_params()
    except EmptyResultSet:  # qs.none(), or a filter that can match nothing
        return []
    rows: list[tuple[int, float]] = []
    with connection.cursor() as cursor:
        if after is None or after[0] <= 0:
            head, head_params = backend.head_sql(table, parsed)
            keyset, keyset_params = "", []
            if after is not None:
                keyset = " AND (cand.score > %s OR (cand.score = %s AND cand.id > %s))"
                keyset_params = [after[0], after[0], after[1]]
            cursor.execute(
                f"SELECT cand.id, cand.score FROM ({head}) cand WHERE EXISTS ({inner_sql})"
                f"{keyset} ORDER BY cand.score, cand.id LIMIT %s",
                [*head_params, *inner_params, *keyset_params, limit],
            )
            rows = [(int(pk), float(score)) for pk, score in cursor.fetchall()]
        if len(rows) < limit:
            rest, rest_params = backend.rest_sql(table, parsed)
            keyset, keyset_params = "", []
            if after is not None and after[0] > 0:
                keyset, keyset_params = " AND cand.id < %s", [after[1]]
            cursor.execute(
                f"SELECT cand.id, cand.score FROM ({rest}) cand WHERE EXISTS ({inner_sql})"
                f"{keyset} ORDER BY cand.id DESC LIMIT %s",
                [*rest_params, *inner_params, *keyset_params, limit - len(rows)],
            )
            rows.extend((int(pk), float(score)) for pk, score in cursor.fetchall())
    return rows


def full_text_raw_count(table: str, query: str, using: str = "default") -> int:
    """How many entries match, without scoping (bench baseline only)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return int(_backend(connection.vendor).raw_count(cursor, table, parse_query(query)))
