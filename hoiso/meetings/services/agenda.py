"""The agenda, its documents, the current item and the shown document page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.vietnamese import nfc
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    AgendaItem,
    ItemDocument,
    Meeting,
)
from hoiso.meetings.services._common import (
    locked,
    record_write,
    require_drive,
    require_live,
    require_manage,
    require_not_closed,
)

# --- agenda and documents --------------------------------------------------------------------


@transaction.atomic
def agenda_item_add(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    parent: AgendaItem | None = None,
    presenter: Any = None,
    presenter_name: str = "",
    planned_minutes: int | None = None,
) -> AgendaItem:
    """An item at the end of its parent's list (or of the top level)."""
    require_manage(actor, meeting)
    require_not_closed(meeting)
    title = nfc(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("The item needs a title.")]})
    if parent is not None and parent.meeting_id != meeting.pk:
        raise ValidationError({"parent": [_("The parent item belongs to another meeting.")]})
    if planned_minutes is not None and not 0 < planned_minutes <= 24 * 60:
        raise ValidationError({"planned_minutes": [_("Planned minutes must be 1 to 1440.")]})
    last = meeting.agenda.filter(parent=parent).aggregate(m=Max("position"))["m"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        parent=parent,
        position=(last or 0) + 1,
        title=title,
        presenter=presenter,
        presenter_name=nfc(presenter_name or "").strip(),
        planned_minutes=planned_minutes,
    )
    record_write(
        actor, meeting, "agenda.add", item, detail={"meeting": meeting.pk}, notice="agenda.changed"
    )
    return item


@transaction.atomic
def agenda_item_update(*, actor: Any, item: AgendaItem, **changes: Any) -> AgendaItem:
    meeting = item.meeting
    require_manage(actor, meeting)
    require_not_closed(meeting)
    allowed = {"title", "presenter", "presenter_name", "planned_minutes", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "title" in changes:
        changes["title"] = nfc(changes["title"] or "").strip()
        if not changes["title"]:
            raise ValidationError({"title": [_("The item needs a title.")]})
    for name, value in changes.items():
        setattr(item, name, value)
    item.save(update_fields=list(changes))
    record_write(actor, meeting, "agenda.update", item, notice="agenda.changed")
    return item


@transaction.atomic
def item_document_add(
    *,
    actor: Any,
    item: AgendaItem,
    title: str = "",
    document: Any = None,
    file: File[Any] | None = None,
    filename: str = "",
) -> ItemDocument:
    """A document for an item: picked from the archive (the actor must see it) or uploaded."""
    meeting = item.meeting
    require_manage(actor, meeting)
    require_not_closed(meeting)
    if (document is None) == (file is None):
        raise ValidationError(_("Pick a document from the archive or upload a file (one)."))
    if document is not None and actor is not None:
        from hoiso.documents.models import Document

        if not Document.objects.restrict(actor, "view").filter(pk=document.pk).exists():
            raise PermissionDenied
    if document is not None and document.is_secret and not meeting.secret:
        raise ValidationError(
            {"document": [_("A secret document may only be attached to a secret meeting.")]}
        )
    title = nfc(title or (str(document) if document is not None else filename)).strip()
    if not title:
        raise ValidationError({"title": [_("The document needs a title.")]})
    last = item.documents.aggregate(m=Max("position"))["m"]
    doc = ItemDocument(
        item=item, document=document, title=title, position=(last or 0) + 1, added_by=actor
    )
    if file is not None:
        doc.file.save(filename or getattr(file, "name", "") or "file", file, save=False)
    doc.save()
    record_write(
        actor,
        meeting,
        "document.add",
        doc,
        detail={"item": item.pk, "archive": document.pk if document is not None else None},
        notice="agenda.changed",
    )
    return doc


@transaction.atomic
def agenda_set_current(*, actor: Any, meeting: Meeting, item: AgendaItem) -> Meeting:
    """The chair moves the meeting to ``item``; every follower's screen moves with it."""
    require_drive(actor, meeting)
    meeting = locked(meeting)
    require_live(meeting)
    if item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    now = timezone.now()
    if meeting.current_item_id and meeting.current_item_id != item.pk:
        AgendaItem.objects.filter(pk=meeting.current_item_id, ended_at=None).update(ended_at=now)
    AgendaItem.objects.filter(pk=item.pk, started_at=None).update(started_at=now)
    meeting.current_item = item
    meeting.save(update_fields=["current_item", "updated_at"])
    record_write(
        actor,
        meeting,
        "agenda.current",
        meeting,
        detail={"item": item.pk},
        notice="agenda.current",
        item=item.pk,
    )
    return meeting


@transaction.atomic
def document_show(
    *, actor: Any, meeting: Meeting, document: ItemDocument | None, page: int = 1
) -> Meeting:
    """The chair shows a document's page (``None``: stop showing)."""
    require_drive(actor, meeting)
    meeting = locked(meeting)
    require_live(meeting)
    if document is not None and document.item.meeting_id != meeting.pk:
        raise ValidationError({"document": [_("This document belongs to another meeting.")]})
    if page < 1:
        raise ValidationError({"page": [_("Pages are numbered from 1.")]})
    meeting.shown_document = document
    meeting.shown_page = page
    meeting.save(update_fields=["shown_document", "shown_page", "updated_at"])
    notify(
        meeting.pk,
        "document.show",
        document=document.pk if document is not None else None,
        page=page,
    )
    return meeting
