"""The one way to write the audit log. Services call ``audit`` inside their transaction."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from hoiso.core.models import AuditLog

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hoiso.accounts.models import User
    from hoiso.org.models import Unit


@dataclass(frozen=True)
class RequestContext:
    """What the audit log needs to know of the request that caused a change."""

    ip: str | None = None
    user_agent: str = ""


current_request: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "hoiso_request", default=None
)


def audit(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    unit: Unit | None = None,
    detail: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditLog:
    """Append one audit row: who, what, on which object and unit, from where."""
    ctx = current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    real_actor = actor if actor is not None and actor.is_authenticated else None
    return AuditLog.objects.create(
        actor=real_actor,
        actor_repr=(real_actor.get_username() if real_actor is not None else "")[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        unit=unit,
        ip=ctx.ip if ctx else None,
        detail=detail or {},
    )
