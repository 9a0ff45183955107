"""Arrival numbers restart with the year of arrival and secret documents have their own series:
the constraint on (unit, issue year, arrival number) refused both. The register counters keep
the numbers unique (hoiso/documents/services/registers.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_search")]

    operations = [migrations.RemoveConstraint(model_name="document", name="unique_arrival_number")]
