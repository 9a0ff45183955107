"""Reads of a document's bytes leave a trail: the one place that writes it."""

from __future__ import annotations

from typing import Any

from hoiso.core.audit import audit
from hoiso.documents.models import Document, DocumentVersion


def document_record_download(
    *, actor: Any, document: Document, version: DocumentVersion, archive: bool
) -> None:
    """Every download leaves an audit row (who, which document, which copy), for the UI and
    the API alike."""
    audit(
        actor=actor,
        action="document.download",
        obj=document,
        unit=document.unit,
        detail={"version": version.number, "copy": "archive" if archive else "original"},
    )
