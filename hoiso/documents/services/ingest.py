"""Taking files into the archive: a document (or a new version) per file, then the pipeline.

``document_ingest`` stores the file once (the same bytes, by SHA-256, are never stored twice),
creates the document in the state ``queued`` and enqueues its processing after commit. A view
passes an ``UploadedFile``, the command line a path opened as a django ``File``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import logging
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import has_perm_at
from hoiso.core.audit import audit
from hoiso.documents.models import (
    Direction,
    Document,
    DocumentType,
    DocumentVersion,
    ProcessingState,
)
from hoiso.documents.pipeline.sniff import FileKind, UnsupportedFile, sniff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.core.files import File

    from hoiso.accounts.models import User
    from hoiso.org.models import Unit

__all__ = [
    "IngestResult",
    "document_add_version",
    "document_ingest",
    "document_retry",
    "document_set_state",
    "duplicate_number_warnings",
]

logger = logging.getLogger(__name__)
# Metadata a caller may give with the file (the rest is suggested from the text, then confirmed).
INGEST_FIELDS = frozenset(
    {
        "number",
        "notation",
        "number_notation",
        "issue_date",
        "issue_place",
        "issuer",
        "summary",
        "signer_name",
        "signer_position",
        "recipients",
        "urgency",
        "secrecy",
        "language",
        "arrival_date",
        "reply_deadline",
    }
)
RUNNING_STATES = (ProcessingState.EXTRACTING, ProcessingState.OCR, ProcessingState.INDEXING)


@dataclass
class IngestResult:
    """What became of one file: the new document, or the one that already holds these bytes.

    ``duplicate_of`` is set only when the user may see that document; ``warnings`` are for
    people (a duplicate file, a duplicate number + notation + issuer in the same year).
    """

    document: Document | None
    duplicate_of: Document | None = None
    warnings: list[str] = field(default_factory=list)
    version: DocumentVersion | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.document is None


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_UPLOAD_MB", 200)) * 1024 * 1024


def _clean_filename(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip() or "document"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


def _stream(file: File[Any]) -> IO[bytes]:
    return cast("IO[bytes]", file.file if hasattr(file, "file") and file.file else file)


def _digest(file: File[Any]) -> tuple[str, int]:
    """SHA-256 and size of the file, read in chunks (the position is left at the start)."""
    sha = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in file.chunks():
        sha.update(chunk)
        size += len(chunk)
    file.seek(0)
    return sha.hexdigest(), size


def _check_file(file: File[Any], filename: str) -> tuple[FileKind, str, int]:
    """The file's kind, SHA-256 and size; ValidationError (for people) when it is refused."""
    sha, size = _digest(file)
    if size == 0:
        raise ValidationError(_("«%(name)s» is empty.") % {"name": filename})
    if size > max_upload_bytes():
        raise ValidationError(
            _("«%(name)s» is larger than %(limit)d MB.")
            % {"name": filename, "limit": max_upload_bytes() // (1024 * 1024)}
        )
    try:
        kind = sniff(_stream(file), filename)
    except UnsupportedFile as error:
        raise ValidationError(str(error)) from error
    file.seek(0)
    return kind, sha, size


def _visible(actor: Any, document: Document) -> bool:
    if actor is None:  # the command line runs as the system
        return True
    return Document.objects.restrict(actor, "view").filter(pk=document.pk).exists()


def _duplicate_result(actor: Any, sha: str, filename: str) -> IngestResult | None:
    existing = DocumentVersion.objects.filter(sha256=sha).select_related("document").first()
    if existing is None:
        return None
    if _visible(actor, existing.document):
        message = _("«%(name)s» is already in the archive: %(document)s.") % {
            "name": filename,
            "document": str(existing.document),
        }
        return IngestResult(document=None, duplicate_of=existing.document, warnings=[message])
    message = _("«%(name)s» is already in the archive (in a document you cannot see).") % {
        "name": filename
    }
    return IngestResult(document=None, duplicate_of=None, warnings=[message])


def _apply_metadata(document: Document, metadata: dict[str, Any]) -> None:
    unknown = set(metadata) - INGEST_FIELDS - {"doc_type"}
    if unknown:
        raise ValidationError(
            _("Unknown document fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in metadata.items():
        if name == "doc_type":
            if value and not isinstance(value, DocumentType):
                found = DocumentType.objects.filter(code=str(value)).first()
                if found is None:
                    raise ValidationError(
                        _("Unknown document type: %(code)s") % {"code": str(value)}
                    )
                value = found
            document.doc_type = value or None
        elif name in ("issue_date", "arrival_date", "reply_deadline") and isinstance(value, str):
            setattr(document, name, dt.date.fromisoformat(value) if value else None)
        else:
            setattr(document, name, value)


def duplicate_number_warnings(actor: Any, document: Document) -> list[str]:
    """Warnings on a duplicate number + notation + issuer in the same year.

    The check belongs to ``services.metadata`` (``duplicates_of`` / ``duplicate_warning``, run
    on every metadata change); this calls it when it is there. The command line (no actor)
    gets no such warning: it takes no metadata.
    """
    if actor is None or not (document.number_notation and document.issue_date):
        return []
    try:
        metadata = importlib.import_module("hoiso.documents.services.metadata")
    except ImportError:
        return []
    duplicates_of = getattr(metadata, "duplicates_of", None)
    warning = getattr(metadata, "duplicate_warning", None)
    if duplicates_of is None or warning is None:
        return []
    return [str(warning(other)) for other in duplicates_of(actor, document)]


def _store_version(
    *,
    actor: Any,
    document: Document,
    file: File[Any],
    filename: str,
    kind: FileKind,
    sha: str,
    size: int,
    number: int,
    note: str = "",
) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=number,
        filename=filename,
        mime=kind.mime,
        size=size,
        sha256=sha,
        note=note,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    version.file.save(filename, file, save=False)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        # The same bytes arrived at the same moment from elsewhere: do not keep a second copy.
        version.file.delete(save=False)
        raise
    return version


def _enqueue_after_commit(document_id: int) -> None:
    from hoiso.documents.tasks import enqueue_document

    transaction.on_commit(lambda: enqueue_document(document_id))


def document_ingest(
    *,
    actor: User | AnonymousUser | None,
    unit: Unit,
    file: File[Any],
    filename: str,
    direction: str = Direction.OUTGOING,
    source: str = "upload",
    metadata: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> IngestResult:
    """Take one file into the archive as a new document of ``unit``, queued for processing.

    ``actor`` None is the system (the command line). Raises ``PermissionDenied`` without
    documents.add_document at the unit and ``ValidationError`` (for people, naming the file)
    when the file is empty, too big or of a kind the archive does not take. The same bytes
    already stored give a result with no document and ``duplicate_of`` (when the user may see
    it). ``enqueue=False`` leaves the processing to the caller (``ingest_documents --wait``).
    """
    if actor is not None and not has_perm_at(actor, "documents.add_document", unit.path):
        raise PermissionDenied
    if direction not in Direction.values:
        raise ValidationError(_("Unknown direction: %(value)s") % {"value": direction})
    filename = _clean_filename(filename)
    kind, sha, size = _check_file(file, filename)
    duplicate = _duplicate_result(actor, sha, filename)
    if duplicate is not None:
        return duplicate
    user = actor if actor is not None and actor.is_authenticated else None
    try:
        with transaction.atomic():
            document = Document(
                unit=unit,
                direction=direction,
                state=ProcessingState.QUEUED,
                state_detail="",
                state_changed_at=timezone.now(),
                source=source[:20],
                created_by=user,
            )
            _apply_metadata(document, metadata or {})
            document.full_clean(exclude=["unit", "current_version", "created_by"])
            document.save()
            version = _store_version(
                actor=actor,
                document=document,
                file=file,
                filename=filename,
                kind=kind,
                sha=sha,
                size=size,
                number=1,
            )
            document.current_version = version
            document.save(update_fields=["current_version"])
            if document.secrecy and user is not None:
                # a secret document is seen only by the people named on it: first, its sender
                document.readers.add(user)
            warnings = duplicate_number_warnings(actor, document)
            audit(
                actor=actor,
                action="document.ingest",
                obj=document,
                unit=unit,
                detail={
                    "file": filename,
                    "sha256": sha,
                    "size": size,
                    "mime": kind.mime,
                    "source": source,
                },
            )
            if enqueue:
                _enqueue_after_commit(document.pk)
    except IntegrityError:
        duplicate = _duplicate_result(actor, sha, filename)
        if duplicate is None:
            raise
        return duplicate
    return IngestResult(document=document, warnings=warnings, version=version)


def _require_change(actor: Any, document: Document) -> None:
    if actor is not None and not has_perm_at(
        actor, "documents.change_document", document.unit.path
    ):
        raise PermissionDenied


def document_add_version(
    *,
    actor: User | AnonymousUser | None,
    document: Document,
    file: File[Any],
    filename: str,
    note: str = "",
) -> DocumentVersion:
    """Attach a corrected file as the document's new current version and process it again.

    Older versions are kept. Raises ``ValidationError`` when these bytes are already stored.
    """
    if actor is not None and not has_perm_at(
        actor, "documents.change_document", document.unit.path
    ):
        raise PermissionDenied
    filename = _clean_filename(filename)
    kind, sha, size = _check_file(file, filename)
    duplicate = _duplicate_result(actor, sha, filename)
    if duplicate is not None:
        raise ValidationError(duplicate.warnings[0])
    try:
        with transaction.atomic():
            locked = Document.objects.select_for_update().get(pk=document.pk)
            last = locked.versions.aggregate(last=Max("number"))["last"] or 0
            version = _store_version(
                actor=actor,
                document=locked,
                file=file,
                filename=filename,
                kind=kind,
                sha=sha,
                size=size,
                number=last + 1,
                note=note[:255],
            )
            locked.current_version = version
            locked.state = ProcessingState.QUEUED
            locked.state_detail = ""
            locked.error = ""
            locked.progress = locked.progress_total = 0
            locked.state_changed_at = timezone.now()
            locked.save()
            audit(
                actor=actor,
                action="document.add_version",
                obj=locked,
                unit=locked.unit,
                detail={"file": filename, "sha256": sha, "version": version.number},
            )
            _enqueue_after_commit(locked.pk)
    except IntegrityError as error:
        duplicate = _duplicate_result(actor, sha, filename)
        raise ValidationError(duplicate.warnings[0] if duplicate else str(error)) from error
    document.refresh_from_db()
    return version


def document_retry(*, actor: User | AnonymousUser | None, document: Document) -> None:
    """Queue a failed document (or one stuck in a step) for processing again."""
    if actor is not None and not has_perm_at(
        actor, "documents.change_document", document.unit.path
    ):
        raise PermissionDenied
    with transaction.atomic():
        updated = Document.objects.filter(
            pk=document.pk,
            state__in=[ProcessingState.FAILED, *RUNNING_STATES, ProcessingState.QUEUED],
        ).update(
            state=ProcessingState.QUEUED,
            state_detail="",
            error="",
            progress=0,
            progress_total=0,
            state_changed_at=timezone.now(),
        )
        if not updated:
            raise ValidationError(_("This document has been processed already."))
        audit(actor=actor, action="document.retry", obj=document, unit=document.unit)
        _enqueue_after_commit(document.pk)
    document.refresh_from_db()


def document_set_state(
    document: Document,
    state: str,
    *,
    detail: str = "",
    progress: int | None = None,
    total: int | None = None,
    error: str | None = None,
) -> None:
    """Record how far the pipeline is with a document (only the state fields; no history).

    Written straight to the row (the pipeline runs outside long transactions), so a page that
    polls sees it at once.
    """
    values: dict[str, Any] = {
        "state": state,
        "state_detail": detail[:255],
        "state_changed_at": timezone.now(),
    }
    if progress is not None:
        values["progress"] = progress
    if total is not None:
        values["progress_total"] = total
    if error is not None:
        values["error"] = error
    Document.objects.filter(pk=document.pk).update(**values)
    for name, value in values.items():
        setattr(document, name, value)
