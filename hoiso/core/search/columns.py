"""Word-start search over one short folded column (names): ``folded_match`` and ``TextIndex``.

A text index covers one folded column (``fold()`` output: lower case ASCII words). A query
matches rows where every query term is the start of a word of the column ("nguyen thi hoa"
finds "Nguyễn Thị Hoà", "hoa" also finds "Hoàng"). SQLite answers from an FTS5 table kept in
step by triggers; PostgreSQL from a GIN index over the column's words as a ``tsvector`` (each
term a prefix: ``'nguyen':* & 'hoa':*``; it replaced a trigram index in members.0010). The
migration operation ``TextIndex`` creates and removes either.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db import connection, models
from django.db.migrations.operations.base import Operation
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from hoiso.core.vietnamese import search_terms

_M = TypeVar("_M", bound=models.Model)
_TERM = re.compile(r"^[a-z0-9]+$")


# The expression of PostgreSQL's word index (a GIN index on it, created by TextIndex and by
# members.0010); a query must spell it the same way for the planner to use the index.
WORDS_SQL = "to_tsvector('simple'::regconfig, {column})"


def fts_table(table: str, column: str) -> str:
    return f"{table}_{column}_fts"


def _clean_terms(query: str) -> list[str]:
    terms = []
    for term in search_terms(query):
        term = re.sub(r"[^a-z0-9]", "", term)
        if term and _TERM.match(term):
            terms.append(term)
    return terms


def folded_match(qs: QuerySet[_M], column: str, query: str) -> QuerySet[_M]:
    """Rows of ``qs`` whose folded ``column`` has a word starting with every term of ``query``."""
    terms = _clean_terms(query)
    if not terms:
        return qs
    table = qs.model._meta.db_table
    if connection.vendor == "sqlite":
        match = " AND ".join(f'"{t}"*' for t in terms)
        fts = connection.ops.quote_name(fts_table(table, column))
        sub = RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match])
        return qs.filter(pk__in=sub)
    # PostgreSQL: the column's words as a tsvector, each term a prefix (GIN index on the same
    # expression, see WORDS_SQL): posting lists intersect in the index, where the trigram
    # index had to recheck every row holding a common family name.
    target = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
    tsquery = " & ".join(f"'{t}':*" for t in terms)
    words = RawSQL(
        f"{WORDS_SQL.format(column=target)} @@ to_tsquery('simple', %s)",
        [tsquery],
        output_field=BooleanField(),
    )
    return qs.filter(words)


def values_using_index(qs: QuerySet[Any], index: str) -> list[Any]:
    """The rows of a ``values_list(..., flat=True)`` queryset, read on SQLite with its base table
    ``INDEXED BY index`` (the planner never picks a covering index for rowid lookups on its own);
    elsewhere, or if the SQL does not name the table as expected, the queryset as it is."""
    if connection.vendor != "sqlite":
        return list(qs)
    table = connection.ops.quote_name(qs.model._meta.db_table)
    sql, params = qs.query.sql_with_params()
    marker = f"FROM {table} "
    if sql.count(marker) != 1:
        return list(qs)
    sql = sql.replace(marker, f"FROM {table} INDEXED BY {connection.ops.quote_name(index)} ")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def words_index_sql(table: str, column: str) -> str:
    """PostgreSQL: the GIN index of a folded column's words (see ``WORDS_SQL``)."""
    expression = WORDS_SQL.format(column=f'"{column}"')
    return (
        f'CREATE INDEX IF NOT EXISTS "{table}_{column}_words" ON "{table}" USING gin ({expression})'
    )


class TextIndex(Operation):
    """Migration operation: the search index of one folded column, for the current backend."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, column: str) -> None:
        self.model_name = model_name
        self.column = column

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, apps: Any) -> str:
        return str(apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state.apps)
        col = self.column
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            fts = fts_table(table, col)
            schema_editor.execute(
                f'CREATE VIRTUAL TABLE "{fts}" USING fts5("{col}", content="{table}", '
                f"content_rowid=\"id\", tokenize='unicode61')"
            )
            add = f'INSERT INTO "{fts}"(rowid, "{col}") VALUES (new.id, new."{col}");'
            schema_editor.execute(
                f'CREATE TRIGGER "{fts}_ai" AFTER INSERT ON "{table}" BEGIN {add} END'
            )
            remove = (
                f'INSERT INTO "{fts}"("{fts}", rowid, "{col}") '
                f"VALUES ('delete', old.id, old.\"{col}\");"
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{fts}_ad" AFTER DELETE ON "{table}" BEGIN {remove} END'
            )
            schema_editor.execute(
                f'CREATE TRIGGER "{fts}_au" AFTER UPDATE OF "{col}" ON "{table}" '
                f"BEGIN {remove} {add} END"
            )
            schema_editor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')
        elif vendor == "postgresql":
            schema_editor.execute(words_index_sql(table, col))

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, from_state.apps)
        col = self.column
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            fts = fts_table(table, col)
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{fts}_{suffix}"')
            schema_editor.execute(f'DROP TABLE IF EXISTS "{fts}"')
        elif vendor == "postgresql":
            # the words index, and the trigram index that databases migrated before
            # members.0010 may still have
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{col}_words"')
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{col}_trgm"')

    def describe(self) -> str:
        return f"Text search index on {self.model_name}.{self.column}"
