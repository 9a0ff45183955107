"""The head index of documents_search (metadata + the text's first words), which ranks results;
filled here for the documents indexed before it (the same entries ``search_index`` writes)."""

from typing import Any

from django.db import migrations

from hoiso.core.search import FullTextHead, full_text_write

TABLE = "documents_search"
META_FIELDS = (
    "number_notation",
    "doc_type__code",
    "doc_type__name",
    "issuer",
    "issue_place",
    "summary",
    "signer_name",
    "signer_position",
    "recipients",
    "directions",
)


def fill(apps: Any, schema_editor: Any) -> None:
    Document = apps.get_model("documents", "Document")
    alias = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(
            Document.objects.using(alias)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", *META_FIELDS, "current_version__text")[:500]
        )
        if not rows:
            return
        ids = [row[0] for row in rows]
        tags: dict[int, list[str]] = {}
        through = Document.tags.through.objects.using(alias).filter(document_id__in=ids)
        for doc_id, name in through.values_list("document_id", "tag__name"):
            tags.setdefault(doc_id, []).append(name)
        entries = []
        for pk, *values in rows:
            meta = [v for v in values[:-1] if v]
            meta.extend(tags.get(pk, ()))
            entries.append((pk, "\n".join(meta), values[-1] or ""))
        full_text_write(TABLE, entries, using=alias)
        last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_arrival_number_series")]

    operations = [
        FullTextHead("document", TABLE),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
