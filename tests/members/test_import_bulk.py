"""The member import's bulk paths: indexes and the name index rebuilt after a big import (SQLite),
history rows copied by the database, the keyed hash computed from precomputed HMAC states.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import translation

from hoiso.core import crypto
from hoiso.core.imports import run_import
from hoiso.core.models import AuditLog
from hoiso.core.search import fts_table
from hoiso.members.imports import writer
from hoiso.members.imports.importer import MemberImporter
from hoiso.members.models import Member
from tests.conftest import Tree
from tests.members.conftest import make_member
from tests.members.test_import import clean_rows, roster

MEMBERS = Member._meta.db_table
HISTORY = Member.history.model._meta.db_table
FTS = fts_table(MEMBERS, "name_folded")
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="bulk loading is SQLite's (PostgreSQL keeps indexes)"
)


def schema() -> list[tuple[str, str, str]]:
    """The indexes and triggers of the member and history tables, as SQLite stores them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN (%s, %s)"
            " AND type IN ('index', 'trigger') ORDER BY type, name",
            [MEMBERS, HISTORY],
        )
        return [tuple(row) for row in cursor.fetchall()]


def fts_rowids(term: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT rowid FROM "{FTS}" WHERE "{FTS}" MATCH %s ORDER BY rowid', [term])
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def always_bulk(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every import is a bulk load; the list receives what each bulk_load_start returned."""
    monkeypatch.setattr(writer, "BULK_LOAD_MIN_ROWS", 0)
    started: list[Any] = []
    real = writer.bulk_load_start

    def spy(expected_rows: int) -> Any:
        started.append(real(expected_rows))
        return started[-1]

    monkeypatch.setattr("hoiso.members.imports.importer.bulk_load_start", spy)
    return started


@sqlite_only
def test_a_bulk_load_rebuilds_every_index_and_the_name_index(
    tree: Tree, users: dict[str, Any], tmp_path: Path, always_bulk: list[Any]
) -> None:
    before = schema()
    actor = users["cadre_a"]
    importer = MemberImporter(actor, tree.commune_a, file_name="ds.xlsx")
    importer.chunk_rows = 7
    report = run_import(importer, roster(tmp_path, clean_rows(20)))
    assert report.committed and report.imported == 20
    load = always_bulk[0]
    assert load is not None and load.indexes and load.fts is not None
    dropped = {name for name, _sql in load.indexes}
    assert "member_unit_sort" in dropped and "members_historicalmember_history_date" in {
        name.rsplit("_", 1)[0] for name in dropped
    }
    assert not any("id_number_idx" in sql for name, sql in load.indexes if HISTORY not in sql)
    assert schema() == before  # every index and trigger is back, as it was
    members = list(Member.objects.order_by("pk"))
    assert len(members) == 20
    assert fts_rowids("mau") == [m.pk for m in members]  # the folded-name index has them all
    assert fts_rowids("5") == [members[4].pk]
    # each member has her "+" history row: who imported her, and when
    for member in members:
        record = member.history.get()
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "+",
            actor,
            "imported",
        )
        assert record.full_name == member.full_name and record.unit_id == member.unit_id
        assert record.id_number_enc == member.id_number_enc
        assert record.birth_date == member.birth_date
    assert AuditLog.objects.filter(action="member.import").count() == 1
    # the rebuilt indexes are the ones queries use
    with connection.cursor() as cursor:
        cursor.execute(
            f'EXPLAIN QUERY PLAN SELECT id FROM "{MEMBERS}" WHERE unit_id = %s ORDER BY name_sort',
            [tree.chapter_a1.pk],
        )
        assert "member_unit_sort" in " ".join(str(row) for row in cursor.fetchall())


@sqlite_only
def test_a_failed_bulk_load_puts_the_indexes_back_with_nothing_written(
    tree: Tree, tmp_path: Path, always_bulk: list[Any]
) -> None:
    before = schema()
    rows = clean_rows(9)
    rows.append([10, *rows[2][1:]])  # row 11 repeats row 3, two chunks later
    importer = MemberImporter(None, tree.commune_a, file_name="ds.xlsx")
    importer.chunk_rows = 4
    report = run_import(importer, roster(tmp_path, rows))
    assert always_bulk[0] is not None  # the indexes were dropped, rows written, then…
    assert not report.committed and [i.row for i in report.invalid] == [11]
    assert Member.objects.count() == 0 and Member.history.count() == 0
    assert schema() == before  # …the rollback restored them
    assert fts_rowids("mau") == []


@sqlite_only
def test_duplicates_against_the_registry_are_found_during_a_bulk_load(
    tree: Tree, tmp_path: Path, always_bulk: list[Any]
) -> None:
    rows = clean_rows(6)
    existing = make_member(
        tree.chapter_a2, "Bùi Thị Dung", id_number=str(rows[4][4]), birth_date=dt.date(1964, 3, 5)
    )
    importer = MemberImporter(None, tree.commune_a, file_name="ds.xlsx")
    importer.chunk_rows = 2
    report = run_import(importer, roster(tmp_path, rows), skip_invalid=True)
    assert always_bulk[0] is not None
    assert [(i.row, i.column) for i in report.invalid] == [(5, "id_number")]
    assert f"member no. {existing.pk}" in report.invalid[0].message
    assert report.committed and report.imported == 5
    assert fts_rowids("mau") == sorted(
        Member.objects.exclude(pk=existing.pk).values_list("pk", flat=True)
    )


def test_no_bulk_load_into_a_registry_larger_than_the_file(tree: Tree) -> None:
    for i in range(3):
        make_member(tree.chapter_a1, f"Lê Thị Mai {i}")
    with transaction.atomic():
        assert writer.bulk_load_start(2) is None  # 2 rows into 3 members: keep the indexes
        assert writer.bulk_load_start(writer.BULK_LOAD_MIN_ROWS - 1) is None
        if connection.vendor == "sqlite":
            assert writer.bulk_load_start(writer.BULK_LOAD_MIN_ROWS) is not None
            transaction.set_rollback(True)
        else:  # PostgreSQL: never (dropping an index would lock the table for the import)
            assert writer.bulk_load_start(writer.BULK_LOAD_MIN_ROWS) is None


def test_blind_index_is_hmac_sha256_of_field_and_value() -> None:
    key = crypto._hash_key()
    for field, value in [("id_number", "019185001234"), ("ethnicity", "tay"), ("x", "ạ" * 100)]:
        expected = hmac.new(key, f"{field}\x00{value}".encode(), hashlib.sha256).hexdigest()[:32]
        assert crypto.blind_index(value, field=field) == expected
    assert crypto.blind_index("", field="x") == "" and crypto.blind_index(None, field="x") == ""
