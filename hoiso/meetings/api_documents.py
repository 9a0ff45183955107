"""/api/v1/meetings/{id}/documents/…: a meeting document's facts, its page images and its
comments (mounted on the meetings router in api.py).

Same rules as the viewer (selectors_docs): whoever sees the meeting reads its documents; a
secret archive document only its named readers (404); protected documents (secret meeting or
secret archive document) are watermarked, ``no-store`` and audited, and never downloadable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema, Status

from hoiso.meetings import rendering, selectors_docs, services
from hoiso.meetings.models import DocumentComment

router = Router(tags=["meetings"])


class DocumentMetaOut(Schema):
    id: int
    meeting: int
    item: int
    title: str
    archive_document: int | None
    kind: str
    pages: int
    preview: bool
    protected: bool
    can_download: bool
    can_comment: bool
    can_resolve: bool
    page_url: str
    download_url: str | None
    viewer_url: str
    comments: int
    open_comments: int


class CommentOut(Schema):
    id: int
    document: int
    author: str
    participant: int | None
    page: int | None
    text: str
    created_at: dt.datetime
    resolved: bool
    resolved_by: str | None
    resolved_at: dt.datetime | None


class CommentIn(Schema):
    text: str
    page: int | None = None


class ResolveIn(Schema):
    resolved: bool = True


def _comment_out(c: DocumentComment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "document": c.item_document_id,
        "author": c.author.get_full_name() or c.author.get_username(),
        "participant": c.participant_id,
        "page": c.page,
        "text": c.text,
        "created_at": c.created_at,
        "resolved": c.resolved,
        "resolved_by": (
            (c.resolved_by.get_full_name() or c.resolved_by.get_username())
            if c.resolved_by
            else None
        ),
        "resolved_at": c.resolved_at,
    }


@router.get(
    "{meeting_id}/documents/{doc_id}", response=DocumentMetaOut, url_name="meeting_document"
)
def meeting_document(request: HttpRequest, meeting_id: int, doc_id: int) -> Any:
    """What the viewer needs: pages, whether it is view only, what you may do. ``page_url``
    ends in ``1.png``: replace the number for another page (``?w=480|1000|1600``)."""
    access = selectors_docs.document_access(request.user, meeting_id, doc_id)
    source = rendering.source_for(access.doc)
    pages = rendering.page_count(source)
    selectors_docs.record_view(request.user, access, "view", via="api")
    doc = access.doc
    comments = selectors_docs.document_comments(doc)
    return {
        "id": doc.pk,
        "meeting": access.meeting.pk,
        "item": doc.item_id,
        "title": doc.title,
        "archive_document": doc.document_id,
        "kind": source.kind,
        "pages": pages,
        "preview": source.previewable,
        "protected": access.protected,
        "can_download": access.can_download,
        "can_comment": access.can_comment,
        "can_resolve": access.can_resolve,
        "page_url": reverse("meetings:document_page", args=[access.meeting.pk, doc.pk, 1]),
        "download_url": (
            reverse("meetings:document_download", args=[access.meeting.pk, doc.pk])
            if access.can_download
            else None
        ),
        "viewer_url": reverse("meetings:document_view", args=[access.meeting.pk, doc.pk]),
        "comments": comments.count(),
        "open_comments": comments.filter(resolved=False).count(),
    }


@router.get("{meeting_id}/documents/{doc_id}/pages/{page}.png", url_name="meeting_document_page")
def meeting_document_page(
    request: HttpRequest, meeting_id: int, doc_id: int, page: int, w: int = 0
) -> HttpResponse:
    """Page ``page`` as a PNG (the same image as the viewer's)."""
    access = selectors_docs.document_access(request.user, meeting_id, doc_id)
    return rendering.page_response(request.user, access, page, w)


@router.get(
    "{meeting_id}/documents/{doc_id}/comments",
    response=list[CommentOut],
    url_name="meeting_document_comments",
)
def meeting_document_comments(
    request: HttpRequest,
    meeting_id: int,
    doc_id: int,
    page: int | None = None,
    open_only: bool = False,
) -> Any:
    """The comments in the order written (``?page=`` one page's, ``?open_only=true``)."""
    access = selectors_docs.document_access(request.user, meeting_id, doc_id)
    selectors_docs.record_view(request.user, access, "comments")
    comments = selectors_docs.document_comments(access.doc, page=page, open_only=open_only)
    return [_comment_out(c) for c in comments]


@router.post(
    "{meeting_id}/documents/{doc_id}/comments",
    response={201: CommentOut},
    url_name="meeting_document_comment_add",
)
def meeting_document_comment_add(
    request: HttpRequest, meeting_id: int, doc_id: int, payload: CommentIn
) -> Any:
    access = selectors_docs.document_access(request.user, meeting_id, doc_id)
    if not access.can_comment:
        raise PermissionDenied
    comment = services.comment_add(
        actor=request.user, item_document=access.doc, text=payload.text, page=payload.page
    )
    return Status(201, _comment_out(comment))


@router.post(
    "{meeting_id}/documents/{doc_id}/comments/{comment_id}/resolve",
    response=CommentOut,
    url_name="meeting_document_comment_resolve",
)
def meeting_document_comment_resolve(
    request: HttpRequest, meeting_id: int, doc_id: int, comment_id: int, payload: ResolveIn
) -> Any:
    """``{"resolved": false}`` opens a resolved comment again."""
    access = selectors_docs.document_access(request.user, meeting_id, doc_id)
    if not access.can_resolve:
        raise PermissionDenied
    comment = selectors_docs.comment_get(access.doc, comment_id)
    comment = services.comment_resolve(
        actor=request.user, comment=comment, resolved=payload.resolved
    )
    return _comment_out(comment)
