"""Reads of a meeting's documents and their comments, for the viewer, the live room and the API.

Whoever sees a meeting (``selectors.meeting_get``: its scope, or a participant; a secret
meeting only its participants) sees its documents' pages and comments, with one exception: an
archive document marked secret (mật) is read only by the people the archive names on it, as in
the archive (404 for anyone else, the meeting's chair included).

A document is **protected** when its meeting is secret or it is a secret archive document:
view only (no download anywhere in the meeting), every page image watermarked with the viewer's
name, served ``no-store``, and every view written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from hoiso.core.access import has_perm_at
from hoiso.core.audit import audit
from hoiso.meetings import selectors
from hoiso.meetings.models import DocumentComment, ItemDocument, Meeting, Participant

DOWNLOAD_ARCHIVE = "documents.download_document"


@dataclass
class DocumentAccess:
    """One user's access to one meeting document."""

    meeting: Meeting
    doc: ItemDocument
    participant: Participant | None
    protected: bool
    can_download: bool
    can_comment: bool
    can_resolve: bool


def is_secret_archive(doc: ItemDocument) -> bool:
    return doc.document is not None and bool(doc.document.secrecy)


def _named_reader(user: Any, doc: ItemDocument) -> bool:
    from hoiso.documents.models import Document

    if doc.document_id is None:
        return True
    return (
        Document.objects.filter(pk=doc.document_id)
        .filter(Document.restrict_condition(user, "documents.view_document"))
        .exists()
    )


def may_comment(user: Any, meeting: Meeting, participant: Participant | None) -> bool:
    """Participants and organisers comment; in a secret meeting, participants only."""
    if participant is not None:
        return True
    return not meeting.secret and selectors.can_manage(user, meeting)


def may_resolve(user: Any, meeting: Meeting, participant: Participant | None) -> bool:
    """Organisers (change permission at the host unit, the chair, the secretary) mark comments
    resolved; in a secret meeting only those of them who sit in it."""
    if meeting.secret and participant is None:
        return False
    return selectors.can_manage(user, meeting)


def may_download(
    user: Any, meeting: Meeting, doc: ItemDocument, participant: Participant | None
) -> bool:
    """Never in a secret meeting, never a secret archive document. An uploaded file: whoever
    sees the meeting. An archive document: its participants, and anyone the archive itself lets
    download it (``documents.download_document`` at the document's unit)."""
    if meeting.secret or is_secret_archive(doc):
        return False
    if doc.file:
        return True
    if doc.document is None:
        return False
    return participant is not None or has_perm_at(user, DOWNLOAD_ARCHIVE, doc.document.unit.path)


def document_access(user: Any, meeting_id: int, doc_id: int) -> DocumentAccess:
    """The meeting (404/403 as ``meeting_get``), the document (404 when it is not this
    meeting's, or a secret archive document the user is not named on) and what she may do."""
    meeting = selectors.meeting_get(user, meeting_id)
    doc = (
        ItemDocument.objects.select_related("item", "document__unit", "document__current_version")
        .filter(pk=doc_id, item__meeting=meeting)
        .first()
    )
    if doc is None:
        raise Http404
    if is_secret_archive(doc) and not _named_reader(user, doc):
        raise Http404
    participant = selectors.participant_of(user, meeting)
    return DocumentAccess(
        meeting=meeting,
        doc=doc,
        participant=participant,
        protected=meeting.secret or is_secret_archive(doc),
        can_download=may_download(user, meeting, doc, participant),
        can_comment=may_comment(user, meeting, participant),
        can_resolve=may_resolve(user, meeting, participant),
    )


def record_view(user: Any, access: DocumentAccess, what: str, **detail: Any) -> None:
    """The audit row of a protected document's view: ``meetings.document.<what>`` ("view" for
    the viewer or the API's meta, "page" for each page image, "comments" for its comments)."""
    if not access.protected:
        return
    audit(
        actor=user,
        action=f"meetings.document.{what}",
        obj=access.doc,
        unit=access.meeting.unit,
        detail={"meeting": access.meeting.pk, **detail},
    )


def meeting_documents(meeting: Meeting, user: Any) -> list[ItemDocument]:
    """The meeting's documents in agenda order that this user may open (secret archive
    documents only for their named readers)."""
    docs = list(
        ItemDocument.objects.filter(item__meeting=meeting)
        .select_related("item", "document")
        .order_by("item__position", "item_id", "position", "id")
    )
    return [d for d in docs if not is_secret_archive(d) or _named_reader(user, d)]


def document_comments(
    doc: ItemDocument, *, page: int | None = None, open_only: bool = False
) -> QuerySet[DocumentComment]:
    qs = doc.comments.select_related("author", "participant", "resolved_by")
    if page is not None:
        qs = qs.filter(page=page)
    if open_only:
        qs = qs.filter(resolved=False)
    return qs.order_by("created_at", "id")


def comment_get(doc: ItemDocument, pk: int) -> DocumentComment:
    comment = document_comments(doc).filter(pk=pk).first()
    if comment is None:
        raise Http404
    return comment
