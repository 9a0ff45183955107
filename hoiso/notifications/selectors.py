"""Reading notifications: a user reads her own, nobody else's (someone else's is a 404)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from hoiso.core.pagination import Page, id_desc_page
from hoiso.notifications.models import Notification


def notification_list(user: Any, *, unread: bool = False) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-id")


def notification_page(
    user: Any, *, unread: bool = False, cursor: str | None = None, size: int = 30
) -> Page[Notification]:
    return id_desc_page(notification_list(user, unread=unread), cursor, size)


def notification_get(user: Any, pk: int) -> Notification:
    note = notification_list(user).filter(pk=pk).first()
    if note is None:
        raise Http404
    return note


UNREAD_TTL = 60


def unread_key(user_id: int) -> str:
    return f"hoiso:notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """The bell's number on every page: one count over the partial index of unread rows, kept
    in the cache for a minute. Writes in this process forget it at once; without a shared cache
    (REDIS_URL) a notification written by the worker shows within the minute."""
    if not user.is_authenticated:
        return 0
    key = unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
        cache.set(key, count, timeout=UNREAD_TTL)
    return int(count)


def forget_unread(user_ids: Iterable[int]) -> None:
    """Drop the cached counts now and again after commit (a page that read the old count in
    between must not keep it)."""
    keys = [unread_key(pk) for pk in set(user_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
