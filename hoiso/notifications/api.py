"""/api/v1/notifications/: the user's own notifications (someone else's is a 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hoiso.notifications import selectors, services
from hoiso.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    object_type: str
    object_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    unread: int
    items: list[NotificationOut]
    next: str | None


class ReadAllOut(Schema):
    marked: int
    unread: int


@router.get("", response=NotificationPage, url_name="notification_list")
def notification_list(
    request: HttpRequest, unread: bool = False, after: str = "", limit: int = 30
) -> Any:
    """Newest first; ``after``: the ``next`` of the previous page."""
    page = selectors.notification_page(
        request.user, unread=unread, cursor=after or None, size=max(1, min(limit, 100))
    )
    return {
        "unread": selectors.unread_count(request.user),
        "items": page.items,
        "next": page.next_cursor,
    }


@router.post("{notification_id}/read", response=NotificationOut, url_name="notification_read")
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    note = selectors.notification_get(request.user, notification_id)
    return services.notification_mark_read(user=request.user, notification=note)


@router.post("read-all", response=ReadAllOut, url_name="notification_read_all")
def notification_read_all(request: HttpRequest) -> Any:
    marked = services.notification_mark_all_read(user=request.user)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
