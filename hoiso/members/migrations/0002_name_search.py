"""The folded-name search index of members (FTS5 on SQLite, trigram GIN on PostgreSQL)."""

from django.db import migrations

from hoiso.core.search import TextIndex


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [TextIndex("member", "name_folded")]
