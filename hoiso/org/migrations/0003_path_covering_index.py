"""PostgreSQL: a path index that carries the id, so "all units under X" is an index-only scan.

The ids of a province's 7,400 units were read by a bitmap heap scan and then sorted (the plain
path index does not hold the id, and the bitmap loses the order). With ``INCLUDE (id)`` the
planner reads them from the index alone, already in path order. SQLite needs nothing: its path
index already covers the id (the rowid). Reverses by dropping the index.
"""

from django.db import migrations

INDEX = "org_unit_path_id_cover"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX "{INDEX}" ON "org_unit" ("path") INCLUDE ("id")')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("org", "0002_levels_and_path_collation")]

    operations = [migrations.RunPython(create, drop)]
