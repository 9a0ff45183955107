"""SQLite only: a narrow index (id, name_sort, unit_id) for ordering name-search matches.

A folded name search finds its matches' ids in the FTS5 table, then orders them by the sort key
to keep the first page. Reading the sort key of each match from the member rows (wide: the
encrypted fields, addresses, indicators) was most of a common name's cost ("nguyen thu" matches
41,000 of 500,000 members); reading it from this index costs a fraction
(``hoiso.members.selectors.SEARCH_ORDER_INDEX``; bench/members_list.py). PostgreSQL answers a
name search from its trigram index and does not need it. Reversible.
"""

from django.db import migrations

INDEX = "members_member_search_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" '
            'ON "members_member" ("id", "name_sort", "unit_id")'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("members", "0007_member_count")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
