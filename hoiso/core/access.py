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

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

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
    # For the page header (shown on every page): kept here so that it costs no query.
    unit_code: str = ""
    unit_name: str = ""
    role_name: str = ""


# Scopes are cached across requests under a generation number that every change able to alter
# someone's scope bumps (role assignments, a role's permissions or name, unit paths after a
# restructuring, a unit's new name). Several app processes need a shared cache (REDIS_URL)
# for this to hold.
GENERATION_KEY = "hoiso:scopes:generation"
SCOPE_TTL = 3600


def scope_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(GENERATION_KEY, generation, timeout=None)
    return int(generation)


def bump_scope_generation() -> None:
    """Invalidate every cached scope: now, and again after commit, so that a request that read
    the old state between the two cannot keep it cached."""

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, timeout=None)

    bump()
    transaction.on_commit(bump)


def _load_scopes(user_id: int, today: dt.date) -> list[ScopeEntry]:
    """One query: the active assignments with their unit paths, roles and permissions."""
    from hoiso.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.filter(user_id=user_id, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .order_by("id")
        .values_list(
            "id",
            "unit_id",
            "unit__path",
            "role__code",
            "role__self_only",
            "role__permissions__content_type__app_label",
            "role__permissions__codename",
            "unit__code",
            "unit__name",
            "role__name",
        )
    )
    grouped: dict[int, tuple[int, str, str, bool, set[str], str, str, str]] = {}
    for ra_id, unit_id, path, role, self_only, app_label, codename, code, name, rname in rows:
        entry = grouped.setdefault(
            ra_id, (unit_id, path, role, self_only, set(), code, name, rname)
        )
        if codename:
            entry[4].add(f"{app_label}.{codename}")
    return [
        ScopeEntry(
            unit_id=u,
            unit_path=p,
            role_code=r,
            perms=frozenset(perms),
            self_only=so,
            unit_code=code,
            unit_name=name,
            role_name=rname,
        )
        for u, p, r, so, perms, code, name, rname in grouped.values()
    ]


def user_scopes(user: User | AnonymousUser) -> list[ScopeEntry]:
    """The user's active role assignments: per request on the user object, across requests
    in the cache (keyed by the scope generation and the day, as assignments have dates)."""
    if not user.is_authenticated:
        return []
    cached: list[ScopeEntry] | None = getattr(user, CACHE_ATTR, None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    key = f"hoiso:scopes:{user.pk}:{scope_generation()}:{today.isoformat()}"
    entries: list[ScopeEntry] | None = cache.get(key)
    if entries is None:
        entries = _load_scopes(user.pk, today)
        cache.set(key, entries, timeout=SCOPE_TTL)
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
        perm = perm_name(self.model, action)
        # A model may narrow every user's sight further, superusers included (secret documents
        # are for the people named on them): ``restrict_condition(user, perm) -> Q``.
        extra = getattr(self.model, "restrict_condition", None)
        qs = self.filter(extra(user, perm)) if extra is not None else self
        if user.is_superuser:
            return qs
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
        return qs.filter(reduce(operator.or_, conditions))


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
