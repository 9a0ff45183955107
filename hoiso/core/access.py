"""Scoped access: roles give permissions on a unit's subtree; ``restrict`` is the only read path.

A role assignment binds user + role + unit. A user may act with permission P on an object when
one of her assignments whose role holds P sits at the object's unit or above it. Views answer
403 when she holds P nowhere and 404 when the object lies outside every such subtree.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from hoiso.core.tree import collapse_paths, subtree_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hoiso.accounts.models import User

_M = TypeVar("_M", bound=models.Model)
CACHE_ATTR = "_hoiso_scope_cache"


@dataclass(frozen=True)
class ScopeEntry:
    """One role assignment, flattened: the unit it sits on and the permissions it grants."""

    unit_id: int
    unit_path: str
    role_code: str
    perms: frozenset[str]
    # A self-only role (Hội viên) grants its permissions on the user's own records alone.
    self_only: bool = False


def user_scopes(user: User | AnonymousUser) -> list[ScopeEntry]:
    """The user's active role assignments, read once per user object (that is, per request)."""
    if not user.is_authenticated:
        return []
    cached: list[ScopeEntry] | None = getattr(user, CACHE_ATTR, None)
    if cached is not None:
        return cached
    from hoiso.accounts.models import RoleAssignment

    today = dt.date.today()
    rows = (
        RoleAssignment.objects.filter(user=user, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .select_related("unit", "role")
        .prefetch_related("role__permissions__content_type")
    )
    entries = [
        ScopeEntry(
            unit_id=ra.unit_id,
            unit_path=ra.unit.path,
            role_code=ra.role.code,
            perms=frozenset(
                f"{p.content_type.app_label}.{p.codename}" for p in ra.role.permissions.all()
            ),
            self_only=ra.role.self_only,
        )
        for ra in rows
    ]
    setattr(user, CACHE_ATTR, entries)
    return entries


def forget_scopes(user: Any) -> None:
    """Drop the cached scopes (after the user's assignments change)."""
    if hasattr(user, CACHE_ATTR):
        delattr(user, CACHE_ATTR)


def perm_name(model: type[models.Model], action: str) -> str:
    if "." in action:
        return action
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def has_perm(user: User | AnonymousUser, perm: str) -> bool:
    """Whether the user holds ``perm`` at some unit (or is a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(perm in entry.perms for entry in user_scopes(user))


def scope_paths(user: User | AnonymousUser, perm: str) -> list[str]:
    """The unit paths under which the user holds ``perm``, none lying under another."""
    return collapse_paths(
        [e.unit_path for e in user_scopes(user) if perm in e.perms and not e.self_only]
    )


def holds_self_only(user: User | AnonymousUser, perm: str) -> bool:
    """Whether the user holds ``perm`` through a self-only role (her own records)."""
    return any(perm in e.perms and e.self_only for e in user_scopes(user))


def has_perm_at(user: User | AnonymousUser, perm: str, unit_path: str) -> bool:
    """Whether the user holds ``perm`` at the unit with this path (or above it).

    Self-only roles never hold a permission at a unit.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(unit_path.startswith(p) for p in scope_paths(user, perm))


def require_perm(user: User | AnonymousUser, perm: str) -> None:
    """403 unless the user holds ``perm`` somewhere."""
    if not has_perm(user, perm):
        raise PermissionDenied


def require_perm_at(user: User | AnonymousUser, perm: str, unit_path: str) -> None:
    """403 unless the user holds ``perm`` at this unit or above it."""
    if not has_perm_at(user, perm, unit_path):
        raise PermissionDenied


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can be narrowed to what a user may see: ``restrict(user, action)``.

    Models say where their unit path lives with ``scope_path_field`` ("path" on Unit,
    "unit__path" on most others), optionally more paths that also give sight of a row
    (``scope_extra_path_fields``: a transfer is seen from both units), and who owns a row for
    self-only roles (``scope_owner_field``: a member sees her own profile).
    """

    def restrict(self, user: User | AnonymousUser, action: str = "view") -> RestrictedQuerySet[_M]:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        perm = perm_name(self.model, action)
        fields = [
            getattr(self.model, "scope_path_field", "unit__path"),
            *getattr(self.model, "scope_extra_path_fields", ()),
        ]
        conditions = [subtree_q(p, f) for p in scope_paths(user, perm) for f in fields]
        owner = getattr(self.model, "scope_owner_field", None)
        if owner and holds_self_only(user, perm):
            conditions.append(Q(**{owner: user}))
        if not conditions:
            return self.none()
        return self.filter(reduce(operator.or_, conditions))


def get_scoped(
    queryset: RestrictedQuerySet[_M],
    user: User | AnonymousUser,
    action: str = "view",
    **lookup: Any,
) -> _M:
    """One object the user may ``action``: 403 without the permission anywhere, 404 out of scope."""
    require_perm(user, perm_name(queryset.model, action))
    obj = queryset.restrict(user, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
