"""Scoped reads of users: a user is visible where one of her assignments is."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from hoiso.accounts.models import PersonalToken, RoleAssignment, User
from hoiso.core.access import require_perm, scope_paths
from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import fold


def _visible_user_ids(user: Any, perm: str) -> QuerySet[RoleAssignment, Any] | None:
    """Ids of users holding an assignment inside the actor's scope (None: everyone)."""
    if user.is_superuser:
        return None
    paths = scope_paths(user, perm)
    q = Q(pk__in=[])
    for p in paths:
        q |= subtree_q(p, "unit__path")
    return RoleAssignment.objects.filter(q).values("user_id")


def user_list(user: Any, *, q: str = "", perm: str = "accounts.view_user") -> QuerySet[User]:
    """Users the actor may see: those with a role somewhere in her scope."""
    require_perm(user, perm)
    qs = User.objects.all()
    ids = _visible_user_ids(user, perm)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if q:
        folded = fold(q)
        qs = qs.filter(
            Q(name_folded__contains=folded)
            | Q(username__icontains=q.strip())
            | Q(phone__contains=q.strip())
        )
    return qs.prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.filter(valid_to__isnull=True).select_related(
                "role", "unit"
            ),
        )
    ).order_by("username")


def user_get(user: Any, *, pk: int, perm: str = "accounts.view_user") -> User:
    from django.http import Http404

    require_perm(user, perm)
    found = user_list(user, perm=perm).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def user_assignments(target: User) -> QuerySet[RoleAssignment]:
    return target.role_assignments.select_related("role", "unit", "created_by").order_by(
        "-valid_to", "unit__path"
    )


def token_list(user: Any) -> QuerySet[PersonalToken]:
    """The caller's own tokens (nobody lists another person's tokens)."""
    return PersonalToken.objects.filter(user=user)


def scope_summary(user: Any) -> list[dict[str, Any]]:
    """The caller's own role assignments, for the page header and /api/v1/me.

    Read from the cached scopes (``user_scopes``): no query on a warm cache.
    """
    from hoiso.core.access import user_scopes

    return [
        {
            "unit_code": e.unit_code,
            "unit_name": e.unit_name,
            "role": e.role_code,
            "role_name": e.role_name or e.role_code,
            "permissions": sorted(e.perms),
        }
        for e in user_scopes(user)
    ]
