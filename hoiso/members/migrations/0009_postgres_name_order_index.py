"""PostgreSQL only: an index on (name_sort, id), the member list's order.

A wide scope's first page (a provincial cadre: every member of the province) walks it and
stops after 51 rows instead of sorting the province: 131 ms → 0.5 ms at 300,000 members
(EXPLAIN ANALYZE; bench/members_list.py at 2,000,000: 665 ms at p50 before). Narrow scopes keep
using (unit, name_sort, id). SQLite's planner already answers the page from the per-unit
index, so the index is not built there. Reversible.
"""

from django.db import migrations

INDEX = "member_name_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "members_member" ("name_sort", "id")'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("members", "0008_sqlite_search_order_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
