"""Reads of the member import: which units a user may import into."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from hoiso.core.access import require_perm_at, scope_paths
from hoiso.core.tree import subtree_q
from hoiso.members.imports.importer import CHAPTER_LEVEL
from hoiso.org.models import Unit
from hoiso.org.selectors import unit_list

PERM = "members.import_member"
IMPORT_LEVELS = ("xa", CHAPTER_LEVEL)


def importable_units(user: Any) -> QuerySet[Unit]:
    """Communes and chapters the user may import members into."""
    qs = unit_list(user).filter(level__code__in=IMPORT_LEVELS)
    if user.is_superuser:
        return qs
    paths = scope_paths(user, PERM)
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= subtree_q(path)
    return qs.filter(condition)


def import_unit_for(user: Any, code: str) -> Unit:
    """The unit of ``code`` for an import: 404 out of the importable units, 403 without the
    permission there (the page, the API and the background task all ask here)."""
    unit = importable_units(user).filter(code=code).first()
    if unit is None:
        raise Http404
    require_perm_at(user, PERM, unit.path)
    return unit
