"""Every scoped read of the archive: search and lists, one document, counts, the public list.

Everything goes through ``Document.objects.restrict(user, "view")``, which also hides secret
documents (Mật / Tối mật / Tuyệt mật) from everyone not named on them, superusers included:
they never appear in others' results, counts or pages.

The query ``q`` (UI and API alike), folded so that diacritics and case never matter:

* ``nghi quyet chuyen doi so``: every word, anywhere in the text or the metadata (number and
  notation, type, issuer, summary, signer, recipients, place, directions, tags);
* ``"chuyển đổi số"``: the words next to each other, in this order;
* ``-word`` / ``-"a phrase"``: without it (with at least one other word);
* ``hoach*``: words starting with ``hoach``;
* ``12-NQ/HPN``: punctuation inside a word keeps its parts together, like a phrase.

With ``q`` the results come in two groups (``hoiso.core.search``, docs/documents.md): first
the documents whose metadata and first 200 words of text hold every word of the query, best
first (BM25 on SQLite, ``ts_rank`` on PostgreSQL, over those only; metadata weighs more than
the text), then the other matches newest first; each with a snippet of the original text with
the matched words in ``<mark>``. Without ``q`` newest first (by id). Pages are keyset pages:
``next_cursor`` is passed back as ``after``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from hoiso.core.access import get_scoped, require_perm
from hoiso.core.audit import audit
from hoiso.core.search import (
    ParsedQuery,
    full_text_matching,
    full_text_ranked,
    highlight,
    parse_query,
    plain_excerpt,
)
from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import fold, nfc
from hoiso.documents.models import (
    Direction,
    Document,
    DocumentVersion,
    ProcessingState,
    Secrecy,
)
from hoiso.documents.search_index import TABLE
from hoiso.org.models import Unit

VIEW_PERM = "documents.view_document"
SNIPPET_TEXT_LIMIT = 100_000  # characters of a text looked at for its snippet
# Counting stops past COUNT_CAP matches: the page then says "more than 1,000".
COUNT_CAP = 1000
SECRET_ANY = "secret"  # secrecy filter: any secret grade
SECRET_NONE = "none"  # secrecy filter: not secret


@dataclass
class DocumentFilter:
    """The archive's filters; every field optional. Built from GET parameters by ``from_query``.

    ``doc_type`` is a type's abbreviation (or id), ``unit`` a unit's code or id (its subtree),
    ``tags`` tag names (all of them), ``secrecy`` a grade, "secret" (any grade) or "none",
    ``public`` published or not. Values that cannot be read are dropped and explained in
    ``errors`` (Vietnamese, for the page).
    """

    q: str = ""
    doc_type: str = ""
    issuer: str = ""
    year: int | None = None
    unit: str = ""
    tags: list[str] = field(default_factory=list)
    secrecy: str = ""
    direction: str = ""
    state: str = ""
    public: bool | None = None
    errors: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def from_query(cls, data: Mapping[str, Any]) -> DocumentFilter:
        """From a QueryDict (``request.GET``) or a plain dict (a saved search's params)."""

        def one(key: str) -> str:
            value = data.get(key, "")
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value).strip()

        def many(key: str) -> list[str]:
            if hasattr(data, "getlist"):
                values = data.getlist(key)
            else:
                raw = data.get(key, [])
                values = raw if isinstance(raw, list) else [raw]
            out: list[str] = []
            for value in values:
                out.extend(part.strip() for part in str(value).split(",") if part.strip())
            return out

        flt = cls(
            q=one("q")[:500],
            doc_type=one("type") or one("doc_type"),
            issuer=one("issuer"),
            unit=one("unit"),
            tags=many("tags"),
            direction=one("direction"),
            state=one("state"),
        )
        year = one("year")
        if year:
            if year.isdigit() and 1900 <= int(year) <= 2200:
                flt.year = int(year)
            else:
                flt.errors.append(_("Year: “%(value)s” is not a year.") % {"value": year})
        secrecy = one("secrecy")
        if secrecy in {SECRET_ANY, SECRET_NONE} | {s for s in Secrecy.values if s}:
            flt.secrecy = secrecy
        elif secrecy:
            flt.errors.append(_("Secrecy: “%(value)s” is not a grade.") % {"value": secrecy})
        if flt.direction and flt.direction not in Direction.values:
            flt.errors.append(_("Direction: “%(value)s” is unknown.") % {"value": flt.direction})
            flt.direction = ""
        if flt.state and flt.state not in ProcessingState.values:
            flt.errors.append(_("Processing: “%(value)s” is unknown.") % {"value": flt.state})
            flt.state = ""
        public = one("public").lower()
        if public in {"1", "true", "yes", "on"}:
            flt.public = True
        elif public in {"0", "false", "no", "off"}:
            flt.public = False
        return flt

    def to_query(self) -> dict[str, Any]:
        """The GET parameters of this filter (what a saved search keeps, with ``q`` apart)."""
        params: dict[str, Any] = {
            "type": self.doc_type,
            "issuer": self.issuer,
            "year": str(self.year) if self.year else "",
            "unit": self.unit,
            "tags": list(self.tags),
            "secrecy": self.secrecy,
            "direction": self.direction,
            "state": self.state,
            "public": "" if self.public is None else ("1" if self.public else "0"),
        }
        return {key: value for key, value in params.items() if value}


@dataclass
class SearchHit:
    document: Document
    rank: float | None  # lower is better; None without a query
    snippet: SafeString | None


@dataclass
class SearchPage:
    """``total`` counts the matches the user may see, up to ``COUNT_CAP``: when
    ``total_capped`` is true there are more than ``total`` (counting them all would cost the
    whole match set of a broad query)."""

    hits: list[SearchHit]
    total: int
    next_cursor: str | None
    query: ParsedQuery = field(default_factory=ParsedQuery)
    errors: list[str] = field(default_factory=list)
    total_capped: bool = False

    @property
    def documents(self) -> list[Document]:
        return [hit.document for hit in self.hits]


def _apply_filter(qs: QuerySet[Document], flt: DocumentFilter) -> QuerySet[Document]:
    if flt.doc_type:
        code = flt.doc_type
        cond = Q(doc_type__code=code)
        if code.isdigit():
            cond |= Q(doc_type_id=int(code))
        qs = qs.filter(cond)
    if flt.issuer:
        qs = qs.filter(issuer__iexact=nfc(flt.issuer))
    if flt.year:
        qs = qs.filter(issue_year=flt.year)
    if flt.unit:
        unit_q = Q(code=flt.unit)
        if flt.unit.isdigit():
            unit_q |= Q(pk=int(flt.unit))
        unit = Unit.objects.filter(unit_q).only("path").first()
        if unit is None:
            return qs.none()
        qs = qs.filter(subtree_q(unit.path, "unit__path"))
    for tag in flt.tags:
        tagged = Document.tags.through.objects.filter(
            document_id=OuterRef("pk"), tag__name_folded=fold(tag)
        )
        qs = qs.filter(Exists(tagged))
    if flt.secrecy == SECRET_NONE:
        qs = qs.filter(secrecy=Secrecy.NORMAL)
    elif flt.secrecy == SECRET_ANY:
        qs = qs.exclude(secrecy=Secrecy.NORMAL)
    elif flt.secrecy:
        qs = qs.filter(secrecy=flt.secrecy)
    if flt.direction:
        qs = qs.filter(direction=flt.direction)
    if flt.state:
        qs = qs.filter(state=flt.state)
    if flt.public is not None:
        qs = qs.filter(is_public=flt.public)
    return qs


def document_queryset(user: Any, flt: DocumentFilter | None = None) -> QuerySet[Document]:
    """The documents the user may see, filtered (``q`` included, unranked); no ordering."""
    require_perm(user, VIEW_PERM)
    qs: QuerySet[Document] = Document.objects.restrict(user, "view")
    if flt is None:
        return qs
    qs = _apply_filter(qs, flt)
    parsed = parse_query(flt.q)
    return full_text_matching(qs, TABLE, parsed, ranked=False) if parsed else qs


def _encode(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, list) else None


def _snippets(documents: list[Document], parsed: ParsedQuery) -> dict[int, SafeString | None]:
    version_ids = [d.current_version_id for d in documents if d.current_version_id]
    texts = dict(
        DocumentVersion.objects.filter(pk__in=version_ids)
        .annotate(head=Substr("text", 1, SNIPPET_TEXT_LIMIT))
        .values_list("pk", "head")
    )
    out: dict[int, SafeString | None] = {}
    for doc in documents:
        text = texts.get(doc.current_version_id or 0) or ""
        meta = "\n".join(
            v for v in (doc.summary, doc.number_notation, doc.issuer, doc.recipients) if v
        )
        snippet = highlight(text, parsed) or highlight(meta, parsed) if parsed else None
        if snippet is None and (doc.summary or text):
            snippet = plain_excerpt(doc.summary or text)
        out[doc.pk] = snippet
    return out


def _page(
    qs: QuerySet[Document], q: str, *, page_size: int, after: str | None, errors: list[str]
) -> SearchPage:
    """One keyset page. The first page counts the matches (unless they all fit on it), up to
    ``COUNT_CAP``; the cursor carries that total to the next pages, which do not count again.
    A ranked page comes from ``full_text_ranked`` (head matches by rank, then the rest newest
    first; never a rank computed for every match)."""
    page_size = max(1, min(page_size, 200))
    parsed = parse_query(q)
    key = _decode(after)
    total: int | None = None
    capped = False
    if key is not None and len(key) >= 3 and isinstance(key[2], int):
        total = key[2]
        capped = len(key) > 3 and bool(key[3])
    raw: list[Any]
    if parsed:
        position: tuple[float, int] | None = None
        if key is not None:
            try:
                position = (float(key[0]), int(key[1]))
            except (TypeError, ValueError, IndexError):
                key = None
        raw = full_text_ranked(qs, TABLE, parsed, page_size + 1, after=position)
    else:
        rows_qs = qs
        if key is not None:
            try:
                rows_qs = rows_qs.filter(pk__lt=int(key[1]))
            except (TypeError, ValueError, IndexError):
                key = None
        raw = list(rows_qs.order_by("-pk").values_list("pk")[: page_size + 1])
    if total is None:
        if len(raw) > page_size or key is not None:
            total, capped = document_total_capped(qs, parsed)
        else:
            total = len(raw)
    rows = [(row[0], row[1] if parsed else None) for row in raw]
    more = len(rows) > page_size
    rows = rows[:page_size]
    documents = Document.objects.select_related("doc_type", "unit").in_bulk([pk for pk, _ in rows])
    ordered = [(documents[pk], score) for pk, score in rows if pk in documents]
    snippets = _snippets([d for d, _ in ordered], parsed)
    hits = [SearchHit(document=d, rank=score, snippet=snippets.get(d.pk)) for d, score in ordered]
    next_cursor = None
    if more and rows:
        last_pk, last_score = rows[-1]
        next_cursor = _encode([last_score, last_pk, total, capped])
    return SearchPage(
        hits=hits,
        total=total or 0,
        next_cursor=next_cursor,
        query=parsed,
        errors=errors,
        total_capped=capped,
    )


def document_total(qs: QuerySet[Document], parsed: ParsedQuery) -> int:
    """The exact number of rows of ``qs`` matching ``parsed`` (all of ``qs`` without a query)."""
    if parsed:
        return int(full_text_matching(qs, TABLE, parsed, ranked=False).count())
    return qs.count()


def document_total_capped(qs: QuerySet[Document], parsed: ParsedQuery) -> tuple[int, bool]:
    """(count, capped): the exact count up to ``COUNT_CAP``; past it (``COUNT_CAP``, True).
    Stops reading matches at the cap (a LIMITed subquery)."""
    matches = full_text_matching(qs, TABLE, parsed, ranked=False) if parsed else qs
    n = int(matches.order_by()[: COUNT_CAP + 1].count())
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)


def document_search(
    user: Any, flt: DocumentFilter, *, page_size: int = 20, after: str | None = None
) -> SearchPage:
    """One page of the documents the user may see matching ``flt`` (see the module docstring
    for the query syntax): ranked with snippets when ``flt.q`` is given, newest first
    otherwise. 403 without the view permission anywhere."""
    require_perm(user, VIEW_PERM)
    qs = _apply_filter(Document.objects.restrict(user, "view"), flt)
    return _page(qs, flt.q, page_size=page_size, after=after, errors=list(flt.errors))


def document_get(user: Any, pk: int, action: str = "view") -> Document:
    """One document: 403 without the permission anywhere, 404 out of scope (or secret and the
    user not named on it). Every view of a secret document writes an audit row."""
    document = get_scoped(
        Document.objects.select_related("unit", "doc_type", "current_version"),
        user,
        action,
        pk=pk,
    )
    if document.is_secret:
        audit(
            actor=user,
            action="document.view_secret",
            obj=document,
            unit=document.unit,
            detail={"action": action, "secrecy": document.secrecy},
        )
    return document


def document_counts(user: Any, flt: DocumentFilter) -> dict[str, Any]:
    """How many documents match, in all and by type and by year (secret ones only for their
    readers, as everywhere). {"total": n, "by_type": [{"code", "name", "count"}],
    "by_year": [{"year", "count"}]}; types by count, years newest first."""
    qs = document_queryset(user, flt)
    by_type = [
        {
            "code": row["doc_type__code"] or "",
            "name": row["doc_type__name"] or "",
            "count": row["n"],
        }
        for row in qs.order_by()
        .values("doc_type__code", "doc_type__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "doc_type__code")
    ]
    by_year = [
        {"year": row["issue_year"], "count": row["n"]}
        for row in qs.order_by()
        .values("issue_year")
        .annotate(n=Count("pk"))
        .order_by("-issue_year")
    ]
    return {"total": sum(t["count"] for t in by_type), "by_type": by_type, "by_year": by_year}


def public_documents(
    q: str = "",
    *,
    doc_type: str = "",
    year: int | None = None,
    page_size: int = 20,
    after: str | None = None,
) -> SearchPage:
    """The published documents (public, never secret, not disposed), for anyone: the same
    query syntax, ranking and snippets as the archive."""
    qs = _apply_filter(Document.objects.published(), DocumentFilter(doc_type=doc_type, year=year))
    return _page(qs, q, page_size=page_size, after=after, errors=[])


def public_document_get(pk: int) -> Document:
    """One published document for the public page; 404 for anything else."""
    document = (
        (Document.objects.published().select_related("doc_type", "unit", "current_version"))
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise Http404
    return document
