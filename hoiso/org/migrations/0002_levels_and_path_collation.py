"""Seed the five levels of 2026, and give path columns a byte-order collation on PostgreSQL.

Subtree queries are byte ranges on ``path``; PostgreSQL's default collation (e.g. en_US) does
not compare by bytes, so the columns get COLLATE "C" there. SQLite compares by bytes already.
Both steps reverse cleanly.
"""

from django.db import migrations

LEVELS = [
    ("trung-uong", "Trung ương", 0),
    ("tinh", "Tỉnh", 1),
    ("xa", "Xã/Phường", 2),
    ("chi-hoi", "Chi hội", 3),
    ("to", "Tổ phụ nữ", 4),
]

PATH_COLUMNS = [("org_unit", "path"), ("org_unitplacement", "path"), ("org_historicalunit", "path")]


def seed_levels(apps, schema_editor):
    Level = apps.get_model("org", "Level")
    for code, name, rank in LEVELS:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


def unseed_levels(apps, schema_editor):
    Level = apps.get_model("org", "Level")
    Level.objects.filter(code__in=[c for c, _n, _r in LEVELS], units__isnull=True).delete()


def c_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PATH_COLUMNS:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar(255) COLLATE "C"'
        )


def default_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in PATH_COLUMNS:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar(255) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [
        migrations.RunPython(seed_levels, unseed_levels),
        migrations.RunPython(c_collation, default_collation),
    ]
