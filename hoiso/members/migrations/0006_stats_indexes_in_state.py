"""Member.Meta now declares the statistics' covering indexes of 0004 and 0005: state only.

The database already holds them (0004 created them, 0005 added ``INCLUDE (id)`` on PostgreSQL);
this tells the migration state, so ``makemigrations`` stays clean.
"""

from django.db import migrations, models

STATS_UNIT = models.Index(
    fields=[
        "unit",
        "status",
        "card_status",
        "has_smartphone",
        "vneid_level2",
        "uses_public_services",
        "cashless",
        "sells_online",
        "digital_training",
        "member_type",
        "occupation",
        "birth_year",
        "join_year",
    ],
    include=["id"],
    name="member_stats_unit",
)
STATS_SENSITIVE = models.Index(
    fields=["unit", "status", "ethnicity_idx", "religion_idx", "party_member_idx", "poverty_idx"],
    name="member_stats_sensitive",
)


class Migration(migrations.Migration):
    dependencies = [("members", "0005_stats_index_include_id")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AddIndex(model_name="member", index=STATS_UNIT),
                migrations.AddIndex(model_name="member", index=STATS_SENSITIVE),
            ],
        )
    ]
