"""Users, roles (rows with permission sets), role assignments on units, personal access tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hoiso.core.access import RestrictedQuerySet
from hoiso.core.vietnamese import fold


class User(AbstractUser):
    """A person who logs in: by username or by phone number."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    name_folded = models.CharField(max_length=150, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("phone number"), max_length=10, unique=True, null=True, blank=True)
    position = models.CharField(_("position"), max_length=150, blank=True)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("manage_user", "Can create users and assign roles")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived search column; kept beside the name it folds.
        self.name_folded = fold(self.full_name)
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_folded"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A named set of permissions (Quản trị hệ thống, Cán bộ chuyên trách …): data, not code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    permissions = models.ManyToManyField(Permission, blank=True, verbose_name=_("permissions"))
    self_only = models.BooleanField(
        _("own records only"),
        default=False,
        help_text=_("The role's permissions apply to the holder's own records, not to the unit."),
    )
    # Permissions the product's seed has granted so far: a new version adds only what it never
    # granted before, so permissions an admin removed stay removed.
    seed_granted = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """User + role + unit: the user holds the role's permissions over the unit's subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="role_assignments")
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "unit__path"

    class Meta:
        ordering = ["user_id", "id"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.unit}"


class PersonalToken(models.Model):
    """A personal access token for scripts: only its SHA-256 is stored; the owner can revoke it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
