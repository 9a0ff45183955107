"""Writing notifications: ``notify_users`` for every app, and marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from hoiso.notifications.delivery import deliver
from hoiso.notifications.models import Notification
from hoiso.notifications.selectors import forget_unread

__all__ = ["notification_mark_all_read", "notification_mark_read", "notify_users"]


def notify_users(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str,
    obj: models.Model | None = None,
    unit: Any = None,
) -> list[Notification]:
    """Tell each of ``users`` (inactive ones are skipped) once per ``key``: an in-app row now,
    and after commit the configured outside channels (e-mail, adapters). A user who already
    has a notification with this ``key`` is left alone, so a sweep may run any number of
    times. Returns the notifications written by this call."""
    people = {u.pk: u for u in users if u is not None and u.is_active}
    if not people:
        return []
    fields: dict[str, Any] = {
        "kind": kind,
        "title": title[:255],
        "body": body,
        "url": url[:500],
        "key": key[:200],
        "unit": unit,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
    }
    with transaction.atomic():
        known = set(
            Notification.objects.filter(recipient_id__in=people, key=fields["key"]).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [Notification(recipient=u, **fields) for pk, u in people.items() if pk not in known]
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(rows)
        except IntegrityError:
            # someone (another worker's sweep) wrote some of them meanwhile: one by one
            created = []
            for row in rows:
                note, new = Notification.objects.get_or_create(
                    recipient=row.recipient, key=fields["key"], defaults=fields
                )
                if new:
                    created.append(note)
        if created and created[0].pk is None:  # a backend without RETURNING: read them back
            created = list(
                Notification.objects.filter(
                    key=fields["key"], recipient_id__in=[r.recipient_id for r in created]
                )
            )
        forget_unread(n.recipient_id for n in created)
        transaction.on_commit(lambda: deliver(created))
    return created


def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    """The user has seen this one (her own: the selector has checked)."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        forget_unread([user.pk])
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    """Every unread notification of the user marked read; returns how many."""
    marked = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget_unread([user.pk])
    return marked
