"""Notifications: one in-app row per recipient and event, and what each outside channel did
with it (e-mail, and Zalo/SMS adapters when configured).

The in-app row is the notification; channels are attempts to carry it further. A channel that
fails leaves a ``Delivery`` row saying so and never removes the in-app row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a user should know: shown under the bell in the header, one per ``key``."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # what happened, for code and filters: "meetings.invitation", "meetings.opinion.overdue" …
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # the object it is about (e.g. "meetings.meeting" / "12"), for listing and clean-up
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # a sweep that runs twice (or two workers at once) writes the same key: the second is
    # refused by the unique constraint, so nobody hears the same thing twice
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            # the bell's unread count on every page: an index of the unread rows only
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryState(models.TextChoices):
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (no address)")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """What one outside channel did with one notification."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=DeliveryState.choices)
    error = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notification", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notification_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel}: {self.state}"
