"""Channels that carry a notification beyond the bell: e-mail built in, adapters for the rest.

``settings.NOTIFICATION_CHANNELS`` lists what is on, in order: ``"inapp"`` (always on, the
row itself), ``"email"`` (Django's mail with ``EMAIL_BACKEND``) and dotted paths to
``Channel`` subclasses (a Zalo or SMS adapter: see docs/notifications.md). Each channel's
outcome is a ``Delivery`` row; one failing channel is logged and recorded and stops neither
the others nor the in-app row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from hoiso.notifications.models import Delivery, DeliveryState, Notification

log = logging.getLogger(__name__)

INAPP = "inapp"


class Skip(Exception):
    """The channel cannot reach this recipient (no e-mail address, no Zalo id): recorded as
    ``skipped`` with the message, not as a failure."""


class Channel:
    """A way to carry a notification outside the app.

    Subclasses set ``name`` (stored on the ``Delivery`` rows; keep it short and stable) and
    implement ``send``: deliver ``notification`` to ``notification.recipient`` or raise.
    Raise ``Skip`` when the recipient has no address on this channel; any other exception
    is a failure (logged, recorded with its message). ``send`` runs after the notification's
    transaction has committed, once per notification and channel.
    """

    name: str = ""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


def absolute_url(path: str) -> str:
    if not path or "://" in path:
        return path
    return f"{settings.PUBLIC_BASE_URL}{path}"


class EmailChannel(Channel):
    """E-mail through Django's mail (``EMAIL_BACKEND``) to the user's address, if she has one."""

    name = "email"

    def send(self, notification: Notification) -> None:
        address = (notification.recipient.email or "").strip()
        if not address:
            raise Skip("no e-mail address")
        lines = [notification.body] if notification.body else []
        if notification.url:
            lines.append(absolute_url(notification.url))
        send_mail(
            subject=notification.title,
            message="\n\n".join(lines) or notification.title,
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[address],
        )


BUILT_IN: dict[str, str] = {"email": "hoiso.notifications.delivery.EmailChannel"}


@cache
def _load(spec: str) -> Channel:
    cls = import_string(BUILT_IN.get(spec, spec))
    channel = cls()
    if not isinstance(channel, Channel):
        raise TypeError(f"{spec} is not a hoiso.notifications.delivery.Channel")
    if not channel.name:
        channel.name = spec.rsplit(".", 1)[-1].lower()
    return channel


def configured_channels() -> list[Channel]:
    """The outside channels ``NOTIFICATION_CHANNELS`` turns on (the in-app row is not one)."""
    specs = [s for s in getattr(settings, "NOTIFICATION_CHANNELS", [INAPP]) if s != INAPP]
    return [_load(spec) for spec in specs]


def _record(notification: Notification, channel: str, state: str, error: str = "") -> None:
    try:
        with transaction.atomic():
            Delivery.objects.create(
                notification=notification, channel=channel, state=state, error=error[:2000]
            )
    except IntegrityError:  # another worker recorded this channel first
        pass


def deliver(notifications: Iterable[Notification]) -> None:
    """Hand each notification to every outside channel once (those already recorded are left
    alone). Failures are logged and recorded; they never raise."""
    items = list(notifications)
    if not items:
        return
    channels = configured_channels()
    if not channels:
        return
    done = set(
        Delivery.objects.filter(notification__in=items).values_list("notification_id", "channel")
    )
    for notification in items:
        for channel in channels:
            if (notification.pk, channel.name) in done:
                continue
            try:
                channel.send(notification)
            except Skip as exc:
                _record(notification, channel.name, DeliveryState.SKIPPED, str(exc))
            except Exception as exc:  # one channel's failure must not stop the others
                log.exception("notification %s: channel %s failed", notification.pk, channel.name)
                _record(
                    notification, channel.name, DeliveryState.FAILED, f"{type(exc).__name__}: {exc}"
                )
            else:
                _record(notification, channel.name, DeliveryState.SENT)
