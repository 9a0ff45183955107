"""PostgreSQL only: the folded-name search reads a GIN index over the name's words (a tsvector,
terms as prefixes) instead of the trigram index.

At 2,000,000 members a common family name ("nguyen", ~40% of names) made the trigram index
recheck hundreds of thousands of rows: the name search measured p95 431 ms (province) and
1,444 ms (commune) in bench/members_list.py. Words' posting lists intersect inside the index.
Databases created after this change get the words index from members.0002 (TextIndex);
older ones get it here, and lose the trigram index. Reversible: backwards puts the trigram
index back and drops the words index.
"""

from django.db import migrations

from hoiso.core.search.columns import words_index_sql

TABLE = "members_member"
COLUMN = "name_folded"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(words_index_sql(TABLE, COLUMN))
        schema_editor.execute(f'DROP INDEX IF EXISTS "{TABLE}_{COLUMN}_trgm"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{TABLE}_{COLUMN}_trgm" '
            f'ON "{TABLE}" USING gin ("{COLUMN}" gin_trgm_ops)'
        )
        schema_editor.execute(f'DROP INDEX IF EXISTS "{TABLE}_{COLUMN}_words"')


class Migration(migrations.Migration):
    dependencies = [("members", "0009_postgres_name_order_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
