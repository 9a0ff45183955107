"""Scoped reads of shared records (the audit log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hoiso.core.access import require_perm
from hoiso.core.models import AuditLog
from hoiso.core.tree import subtree_q


@dataclass(frozen=True)
class AuditFilter:
    """The audit screen's filters; every field optional."""

    user: str = ""
    unit_path: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    object_type: str = ""
    object_id: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_list(user: Any, flt: AuditFilter) -> QuerySet[AuditLog]:
    """Audit rows the user may read, newest first."""
    require_perm(user, "core.view_auditlog")
    qs = AuditLog.objects.restrict(user, "view").select_related("unit", "actor")
    if flt.user:
        qs = qs.filter(actor_repr__iexact=flt.user.strip())
    if flt.unit_path:
        qs = qs.filter(subtree_q(flt.unit_path, "unit__path"))
    if flt.action:
        qs = qs.filter(action__startswith=flt.action.strip())
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    if flt.object_id:
        qs = qs.filter(object_id=flt.object_id)
    if flt.date_from:
        qs = qs.filter(at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(at__lt=_day_start(flt.date_to + dt.timedelta(days=1)))
    return qs.order_by("-id")
