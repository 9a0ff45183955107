"""Materialised paths: the one place that knows how a unit path is spelled and queried."""

from __future__ import annotations

from django.db.models import Q

# A path is the chain of unit ids from the root, each zero-padded to SEGMENT digits and
# followed by SEP. Fixed width keeps byte order equal to tree order and makes
# "everything under X" a single range scan on one index.
SEGMENT = 10
SEP = "/"
# The character right after SEP in byte order: the open upper bound of a subtree range.
SEP_NEXT = chr(ord(SEP) + 1)


def path_segment(pk: int) -> str:
    return f"{pk:0{SEGMENT}d}{SEP}"


def child_path(parent_path: str, pk: int) -> str:
    return parent_path + path_segment(pk)


def path_ids(path: str) -> list[int]:
    """The unit ids along a path, root first."""
    return [int(part) for part in path.split(SEP) if part]


def path_depth(path: str) -> int:
    return len(path_ids(path)) - 1


def subtree_q(path: str, field: str = "path", include_self: bool = True) -> Q:
    """A filter for every row whose ``field`` lies at or under ``path``.

    A byte-order range rather than LIKE: it uses the plain B-tree index on SQLite and on
    PostgreSQL alike (the path columns use the "C" collation on PostgreSQL, see the
    migration that sets it).
    """
    upper = path[:-1] + SEP_NEXT
    q = Q(**{f"{field}__gte": path, f"{field}__lt": upper})
    if not include_self:
        q &= ~Q(**{field: path})
    return q


def collapse_paths(paths: list[str]) -> list[str]:
    """Drop every path that lies under another one in the list (scopes that add nothing)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
