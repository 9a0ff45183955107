"""Documents for the records tests (registers, files, publishing, metadata), made directly:
these tests are about what happens after ingest, which has its own tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile

from hoiso.documents.models import Document, DocumentType, DocumentVersion


def make_doc(unit: Any, *, readers: tuple[Any, ...] = (), **fields: Any) -> Document:
    code = fields.pop("type", None)
    if code:
        fields["doc_type"] = DocumentType.objects.get(code=code)
    fields.setdefault("summary", "Về chuyển đổi số")
    fields.setdefault("issuer", "Hội LHPN tỉnh Thái Nguyên")
    fields.setdefault("issue_date", dt.date(2026, 3, 5))
    fields.setdefault("state", "indexed")
    doc = Document.objects.create(unit=unit, **fields)
    if readers:
        doc.readers.set(readers)
    return doc


def attach_file(doc: Document, content: bytes = b"%PDF-1.4 test") -> DocumentVersion:
    import hashlib

    sha = hashlib.sha256(content + str(doc.pk).encode()).hexdigest()
    version = DocumentVersion(document=doc, filename="scan.pdf", sha256=sha, size=len(content))
    version.file.save("scan.pdf", ContentFile(content), save=False)
    version.save()
    return version
