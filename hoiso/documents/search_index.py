"""The documents' full-text index: one entry per document, its metadata and its current text.

The entry lives in a side table (``documents_search``, created by migration 0002), never in the
document row that lists read. Call ``index_document`` after anything that changes what is
searched: extraction of a version's text, metadata, tags, the current version.
``rebuild`` rewrites every entry in batches (``manage.py reindex_documents``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.db import transaction

from hoiso.core.search import (
    full_text_delete,
    full_text_delete_orphans,
    full_text_optimize,
    full_text_write,
)
from hoiso.documents.models import Document

log = logging.getLogger(__name__)

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


def _entries(ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, metadata text, body text) of these documents, in one query plus one for tags."""
    rows = Document.objects.filter(pk__in=ids).values_list(
        "pk", *META_FIELDS, "current_version__text"
    )
    tags: dict[int, list[str]] = {}
    for doc_id, name in Document.tags.through.objects.filter(document_id__in=ids).values_list(
        "document_id", "tag__name"
    ):
        tags.setdefault(doc_id, []).append(name)
    entries = []
    for pk, *values in rows:
        meta = [v for v in values[:-1] if v]
        meta.extend(tags.get(pk, ()))
        entries.append((pk, "\n".join(meta), values[-1] or ""))
    return entries


def index_document(document: Document | int) -> None:
    """Write (or rewrite) one document's entry from what is in the database now."""
    pk = document if isinstance(document, int) else document.pk
    entries = _entries([pk])
    if entries:
        full_text_write(TABLE, entries)
    else:
        full_text_delete(TABLE, [pk])


def unindex_document(document_id: int) -> None:
    """Remove one document's entry (deleting a document removes it too)."""
    full_text_delete(TABLE, [document_id])


def _id_batches(batch: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(
            Document.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild(batch: int = 500, *, progress: Callable[[int], None] | None = None) -> int:
    """Rewrite every document's entry, ``batch`` documents per transaction; returns the count.

    Memory stays flat: one batch of texts at a time. Searches keep working meanwhile (each
    entry is replaced, not dropped first). Entries of documents that no longer exist go.
    """
    done = 0
    for ids in _id_batches(batch):
        with transaction.atomic():
            entries = _entries(ids)
            full_text_write(TABLE, entries)
        done += len(entries)
        del entries
        if progress is not None:
            progress(done)
    removed = full_text_delete_orphans(TABLE, Document._meta.db_table)
    if removed:
        log.info("reindex: %d entries of deleted documents removed", removed)
    full_text_optimize(TABLE)
    return done
