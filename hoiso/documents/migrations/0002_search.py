"""The documents' full-text index: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL."""

from django.db import migrations

from hoiso.core.search import FullTextIndex


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [FullTextIndex("document", "documents_search")]
