"""Saved searches: a user's named query and filters, as in the archive's URL.

Personal: each user sees and changes only her own (anyone else's is a 404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc
from hoiso.documents.models import SavedSearch
from hoiso.documents.selectors import DocumentFilter

MAX_PER_USER = 100


def saved_search_create(
    *, user: Any, name: str, query: str = "", params: dict[str, Any] | None = None
) -> SavedSearch:
    """Keep a search under a name. ``params`` are the filters' GET parameters (``type``,
    ``year``, ``unit``, ``tags`` …); unreadable ones are refused, unknown keys dropped."""
    name = nfc(name or "")
    if not name:
        raise ValidationError({"name": _("Give the search a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long (at most 100 characters).")})
    query = (query or "").strip()
    if len(query) > 500:
        raise ValidationError({"query": _("The query is too long (at most 500 characters).")})
    flt = DocumentFilter.from_query(params or {})
    if flt.errors:
        raise ValidationError({"params": flt.errors})
    with transaction.atomic():
        if SavedSearch.objects.filter(user=user, name=name).exists():
            raise ValidationError(
                {"name": _("You already have a saved search named “%(name)s”.") % {"name": name}}
            )
        if SavedSearch.objects.filter(user=user).count() >= MAX_PER_USER:
            raise ValidationError(
                _("At most %(n)d saved searches; delete one first.") % {"n": MAX_PER_USER}
            )
        saved = SavedSearch.objects.create(user=user, name=name, query=query, params=flt.to_query())
        audit(actor=user, action="saved_search.create", obj=saved, detail={"query": query})
    return saved


def saved_search_delete(*, user: Any, saved: SavedSearch) -> None:
    if saved.user_id != user.pk:
        raise Http404
    with transaction.atomic():
        audit(actor=user, action="saved_search.delete", obj=saved)
        saved.delete()


def saved_search_list(user: Any) -> QuerySet[SavedSearch]:
    """The user's saved searches, by name."""
    if not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user).order_by("name")


def saved_search_get(user: Any, pk: int) -> SavedSearch:
    """One of the user's own saved searches; 404 for anyone else's."""
    saved = saved_search_list(user).filter(pk=pk).first()
    if saved is None:
        raise Http404
    return saved


def saved_search_filter(saved: SavedSearch) -> DocumentFilter:
    """The filter a saved search stands for (to run it: ``document_search(user, flt)``)."""
    return DocumentFilter.from_query({**saved.params, "q": saved.query})
