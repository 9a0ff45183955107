"""Covering indexes for the member statistics (hoiso/members/stats/selectors.py).

The statistics walk a unit subtree unit by unit (the path index), then each unit's members in
the order of ``member_stats_unit``; every column a count needs is in the index, so the table
itself is never read and the rows arrive grouped (no sort). ``member_stats_sensitive`` does the
same for the keyed hashes of the sensitive breakdowns.

Database only: Member.Meta does not declare them (models.py belongs to the registry). When it
does, replace this operation by the same two AddIndex operations as state only.
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
    name="member_stats_unit",
)
STATS_SENSITIVE = models.Index(
    fields=["unit", "status", "ethnicity_idx", "religion_idx", "party_member_idx", "poverty_idx"],
    name="member_stats_sensitive",
)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_unique_card_number")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddIndex(model_name="member", index=STATS_UNIT),
                migrations.AddIndex(model_name="member", index=STATS_SENSITIVE),
            ],
            state_operations=[],
        )
    ]
