"""Builders for the search and selector tests (no tests here): documents with a text."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from hoiso.documents.models import Document, DocumentType, DocumentVersion, Tag
from hoiso.documents.search_index import index_document
from hoiso.org.models import Unit

_counter = itertools.count(1)


def make_document(
    unit: Unit,
    *,
    text: str = "",
    type_code: str | None = None,
    tags: list[str] | None = None,
    readers: list[Any] | None = None,
    index: bool = True,
    **fields: Any,
) -> Document:
    """A document with one version holding ``text``, indexed unless ``index`` is False."""
    from hoiso.core.vietnamese import fold

    n = next(_counter)
    if type_code:
        fields["doc_type"] = DocumentType.objects.get(code=type_code)
    fields.setdefault("issue_date", dt.date(2026, 3, 5))
    fields.setdefault("state", "indexed")
    document = Document.objects.create(unit=unit, **fields)
    sha = hashlib.sha256(f"{n}:{text}".encode()).hexdigest()
    version = DocumentVersion.objects.create(
        document=document,
        file=f"documents/{sha[:2]}/{sha}/f.pdf",
        filename="f.pdf",
        sha256=sha,
        text=text,
        text_source="text",
    )
    document.current_version = version
    document.save(update_fields=["current_version"])
    for name in tags or []:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"name_folded": fold(name)})
        document.tags.add(tag)
    if readers:
        document.readers.set(readers)
    if index:
        index_document(document)
    return document
