"""Keyset pagination: "rows after this key", never OFFSET scans at depth."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import models
from django.db.models import QuerySet

_M = TypeVar("_M", bound=models.Model)


@dataclass
class Page(Generic[_M]):
    items: list[_M]
    next_cursor: str | None


def id_desc_page(qs: QuerySet[_M], cursor: str | None, size: int) -> Page[_M]:
    """A page of ``qs`` ordered by descending id, starting below ``cursor`` (an id)."""
    if cursor and cursor.isdigit():
        qs = qs.filter(pk__lt=int(cursor))
    items = list(qs.order_by("-pk")[: size + 1])
    more = len(items) > size
    items = items[:size]
    return Page(items=items, next_cursor=str(items[-1].pk) if more and items else None)
