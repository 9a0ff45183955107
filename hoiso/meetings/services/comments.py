"""Comments on a meeting document (góp ý vào tài liệu): add, resolve, reopen.

Participants and organisers comment; in a secret meeting, participants only. Organisers (change
permission at the host unit, the chair, the secretary) mark a comment resolved or open again.
A closed meeting's comments are final. Each write ends with its audit row and the live room's
``comments.changed {document}`` notice.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors, selectors_docs
from hoiso.meetings.models import DocumentComment, ItemDocument
from hoiso.meetings.services._common import record_write, require_not_closed

MAX_COMMENT = 4000


@transaction.atomic
def comment_add(
    *, actor: Any, item_document: ItemDocument, text: str, page: int | None = None
) -> DocumentComment:
    """A comment on the document, on one page of it when ``page`` is given."""
    meeting = item_document.item.meeting
    participant = selectors.participant_of(actor, meeting) if actor is not None else None
    if actor is not None and not selectors_docs.may_comment(actor, meeting, participant):
        raise PermissionDenied
    require_not_closed(meeting)
    text = nfc(text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the comment before sending it.")]})
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            {"text": [_("A comment may hold at most %(n)d characters.") % {"n": MAX_COMMENT}]}
        )
    if page is not None:
        from hoiso.meetings import rendering

        pages = rendering.page_count(rendering.source_for(item_document)) or 1
        if not 1 <= page <= pages:
            raise ValidationError(
                {"page": [_("The document has pages 1 to %(n)d.") % {"n": pages}]}
            )
    comment = DocumentComment.objects.create(
        item_document=item_document,
        author=actor,
        participant=participant,
        page=page,
        text=text,
    )
    record_write(
        actor,
        meeting,
        "comment.add",
        comment,
        detail={"document": item_document.pk, "page": page},
        notice="comments.changed",
        document=item_document.pk,
    )
    return comment


@transaction.atomic
def comment_resolve(
    *, actor: Any, comment: DocumentComment, resolved: bool = True
) -> DocumentComment:
    """Mark the comment resolved (or open again)."""
    item_document = comment.item_document
    meeting = item_document.item.meeting
    if actor is not None:
        participant = selectors.participant_of(actor, meeting)
        if not selectors_docs.may_resolve(actor, meeting, participant):
            raise PermissionDenied
    require_not_closed(meeting)
    if comment.resolved == resolved:
        return comment
    comment.resolved = resolved
    comment.resolved_by = actor if resolved and actor is not None else None
    comment.resolved_at = timezone.now() if resolved else None
    comment.save(update_fields=["resolved", "resolved_by", "resolved_at"])
    record_write(
        actor,
        meeting,
        "comment.resolve" if resolved else "comment.reopen",
        comment,
        detail={"document": item_document.pk},
        notice="comments.changed",
        document=item_document.pk,
    )
    return comment
