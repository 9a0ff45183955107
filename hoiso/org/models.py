"""The organisation tree: levels, units with a materialised path, placements over time, lineage."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hoiso.core.access import RestrictedQuerySet
from hoiso.core.tree import path_ids, subtree_q

if TYPE_CHECKING:
    from collections.abc import Iterable


class Level(models.Model):
    """A level of the tree (Trung ương, Tỉnh, Xã/Phường, Chi hội, Tổ phụ nữ): data, not code."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 for the top; a unit's parent has a smaller rank.")
    )

    class Meta:
        ordering = ["rank"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(RestrictedQuerySet["Unit"]):
    """Units with tree helpers; ``restrict`` scopes them by the unit path itself."""

    def under(self, unit: Unit, include_self: bool = True) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path, include_self=include_self))

    def active(self, on: dt.date | None = None) -> UnitQuerySet:
        day = on or dt.date.today()
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )

    def ancestors_of(self, unit: Unit, include_self: bool = False) -> UnitQuerySet:
        ids = path_ids(unit.path)
        if not include_self:
            ids = ids[:-1]
        return self.filter(pk__in=ids).order_by("depth")


class Unit(models.Model):
    """A union unit at some level. Closed units stay, with their successors in the lineage."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["name_folded"])
    objects = UnitQuerySet.as_manager()

    scope_path_field = "path"

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [
            ("restructure_unit", "Can merge, split, move and rename units"),
            ("import_unit", "Can import units from a file"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.valid_to is None or self.valid_to > dt.date.today()

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]


class UnitPlacement(models.Model):
    """Where a unit stood in the tree during a period: the answer to "under whom was Y on D"."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="placements")
    parent = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    path = models.CharField(max_length=255, db_index=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    event = models.ForeignKey(
        "UnitEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="placements"
    )

    class Meta:
        ordering = ["unit_id", "valid_from"]
        indexes = [models.Index(fields=["unit", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.path} [{self.valid_from}, {self.valid_to})"


class UnitEventKind(models.TextChoices):
    CREATE = "create", _("Established")
    RENAME = "rename", _("Renamed")
    MOVE = "move", _("Moved")
    MERGE = "merge", _("Merged")
    SPLIT = "split", _("Split")
    CLOSE = "close", _("Dissolved")


class UnitEvent(models.Model):
    """One restructuring act (by decree or resolution): the lineage of the units it touched."""

    kind = models.CharField(max_length=16, choices=UnitEventKind.choices)
    effective_date = models.DateField(_("effective date"))
    decision = models.CharField(_("decision reference"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    units: models.ManyToManyField[Unit, UnitEventLink] = models.ManyToManyField(
        Unit, through="UnitEventLink", related_name="events"
    )

    class Meta:
        ordering = ["-effective_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y}"

    def links_by_role(self, role: str) -> Iterable[UnitEventLink]:
        return [link for link in self.links.all() if link.role == role]


class LinkRole(models.TextChoices):
    SOURCE = "source", _("before")
    TARGET = "target", _("after")
    SUBJECT = "subject", _("unit")


class UnitEventLink(models.Model):
    """A unit's part in an event: source (before), target (after) or subject (rename, move)."""

    event = models.ForeignKey(UnitEvent, on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="event_links")
    role = models.CharField(max_length=16, choices=LinkRole.choices)

    class Meta:
        unique_together = [("event", "unit", "role")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.role}:{self.unit_id}"
