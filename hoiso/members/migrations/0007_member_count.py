"""Member counts per unit and breakdown key, kept by triggers (hoiso/members/stats/counts.py).

Creates the table, installs the triggers of the connection's database (row triggers on SQLite,
statement triggers with transition tables on PostgreSQL) and fills the table from the members
and dues already there. Reversible: backwards drops the triggers (then the table).
"""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from hoiso.members.stats import counts

    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in counts.create_triggers_sql(vendor):
            cursor.execute(statement)
        for statement in counts.rebuild_sql():
            cursor.execute(statement)


def uninstall(apps, schema_editor):
    from hoiso.members.stats import counts

    with schema_editor.connection.cursor() as cursor:
        for statement in counts.drop_triggers_sql(schema_editor.connection.vendor):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_stats_indexes_in_state"),
        ("org", "0003_path_covering_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("dim", models.CharField(max_length=24)),
                ("value", models.CharField(blank=True, max_length=32)),
                ("n", models.IntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "dim", "value"), name="member_count_key"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
