"""Editing a document's metadata, and the suggestions read from its first page.

Suggestions are stored, never written to the fields on their own: the cadre confirms (or
corrects) them, and only confirmed values reach the metadata, through ``document_update``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import require_perm_at
from hoiso.core.audit import audit
from hoiso.core.vietnamese import fold, nfc
from hoiso.documents.models import (
    Direction,
    Document,
    DocumentType,
    HandlingStatus,
    Secrecy,
    Tag,
    Urgency,
)
from hoiso.org.models import Unit

log = logging.getLogger(__name__)

TEXT_FIELDS = (
    "notation", "number_notation", "issue_place", "issuer", "summary", "signer_name",
    "signer_position", "recipients", "language", "directions",
)  # fmt: skip
DATE_FIELDS = ("issue_date", "reply_deadline", "arrival_date", "handling_deadline")
INT_FIELDS = ("number", "pages", "copies")
CHOICE_FIELDS = {
    "direction": Direction,
    "urgency": Urgency,
    "secrecy": Secrecy,
    "handling_status": HandlingStatus,
}
EDITABLE = (*TEXT_FIELDS, *DATE_FIELDS, *INT_FIELDS, *CHOICE_FIELDS, "doc_type", "handling_unit")
SUGGESTED = (
    "doc_type", "number", "notation", "number_notation", "issue_date", "issue_place",
    "issuer", "summary",
)  # fmt: skip


def reindex(document: Document) -> None:
    """Rewrite the document's search entry in the current transaction (if search exists)."""
    try:
        from hoiso.documents import search_index
    except ImportError:  # pragma: no cover - the search module is another helper's
        log.warning("search index unavailable; document %s not reindexed", document.pk)
        return
    search_index.index_document(document.pk)


def _label(name: str) -> str:
    return str(getattr(Document._meta.get_field(name), "verbose_name", name))


def _parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def join_number(number: int, notation: str) -> str:
    """ "12" + "NQ/HPN" → "12-NQ/HPN"; "45" + "KH-HLHPN" → "45/KH-HLHPN" (Decree 30 style)."""
    if not notation:
        return f"{number:02d}"
    sep = "-" if "/" in notation else "/"
    return f"{number:02d}{sep}{notation}"


def clean_metadata(document: Document, data: dict[str, Any]) -> dict[str, Any]:
    """Validated values by field; every problem reported at once, keyed by field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name not in EDITABLE:
            errors.setdefault(name, []).append(_("Unknown field."))
            continue
        label = _label(name)
        if name in TEXT_FIELDS:
            text = nfc(str(value or ""))
            limit = getattr(Document._meta.get_field(name), "max_length", None)
            if limit and len(text) > limit:
                errors[name] = [
                    _("%(field)s: at most %(n)d characters (%(got)d given).")
                    % {"field": label, "n": limit, "got": len(text)}
                ]
            clean[name] = text
        elif name in DATE_FIELDS:
            try:
                clean[name] = _parse_date(value)
            except ValueError:
                errors[name] = [
                    _("%(field)s: «%(value)s» is not a date (dd/mm/yyyy).")
                    % {"field": label, "value": value}
                ]
        elif name in INT_FIELDS:
            if value in (None, ""):
                clean[name] = None
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = -1
            if number < 1 or number > 10_000_000:
                errors[name] = [
                    _("%(field)s: «%(value)s» is not a positive whole number.")
                    % {"field": label, "value": value}
                ]
            else:
                clean[name] = number
        elif name in CHOICE_FIELDS:
            value = value or ""
            if value not in CHOICE_FIELDS[name].values:
                errors[name] = [
                    _("%(field)s: unknown value «%(value)s».") % {"field": label, "value": value}
                ]
            clean[name] = value
        elif name == "doc_type":
            clean[name] = _doc_type(value)
            if value not in (None, "") and clean[name] is None:
                errors[name] = [
                    _("%(field)s: unknown document type «%(value)s».")
                    % {"field": label, "value": value}
                ]
        elif name == "handling_unit":
            unit = value if isinstance(value, Unit) or value in (None, "") else None
            if unit is None and value not in (None, ""):
                unit = Unit.objects.filter(pk=value).first() if str(value).isdigit() else None
                unit = unit or Unit.objects.filter(code=value).first()
                if unit is None:
                    errors[name] = [
                        _("%(field)s: unknown unit «%(value)s».") % {"field": label, "value": value}
                    ]
            clean[name] = unit or None

    merged = {f: clean.get(f, getattr(document, f)) for f in DATE_FIELDS}
    today = timezone.localdate()
    issue = merged["issue_date"]
    if issue and "issue_date" in clean and issue > today:
        errors.setdefault("issue_date", []).append(
            _("%(field)s: the date is in the future.") % {"field": _label("issue_date")}
        )
    for later in ("reply_deadline", "arrival_date", "handling_deadline"):
        when = merged[later]
        if issue and when and later in clean and when < issue:
            errors.setdefault(later, []).append(
                _("%(field)s: the date is before the date of issue.") % {"field": _label(later)}
            )
    if errors:
        raise ValidationError(errors)
    return clean


def _doc_type(value: Any) -> DocumentType | None:
    if value in (None, ""):
        return None
    if isinstance(value, DocumentType):
        return value
    if isinstance(value, int) or str(value).isdigit():
        return DocumentType.objects.filter(pk=int(value)).first()
    wanted = fold(str(value))
    for doc_type in DocumentType.objects.all():
        if fold(doc_type.code) == wanted or fold(doc_type.name) == wanted:
            return doc_type
    return None


def duplicates_of(actor: Any, document: Document) -> list[Document]:
    """Documents the actor can see with the same number + notation and issuer in the same year."""
    if not document.number_notation or not document.issue_date:
        return []
    issuer = fold(document.issuer)
    candidates = (
        Document.objects.restrict(actor, "view")
        .filter(
            number_notation__iexact=document.number_notation,
            issue_year=document.issue_date.year,
            disposed_at__isnull=True,
        )
        .exclude(pk=document.pk)
    )
    return [d for d in candidates[:20] if fold(d.issuer) == issuer]


def duplicate_warning(doc: Document) -> str:
    return _(
        "Another document has the same number and notation %(number)s from %(issuer)s in "
        "%(year)d (document no. %(pk)d)."
    ) % {
        "number": doc.number_notation,
        "issuer": doc.issuer or "?",
        "year": doc.issue_year or 0,
        "pk": doc.pk,
    }


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = nfc(raw)
        if not name:
            continue
        tag = Tag.objects.filter(name_folded=fold(name)).first()
        if tag is None:
            tag = Tag.objects.create(name=name[:60], name_folded=fold(name)[:60])
        tags.append(tag)
    return tags


@transaction.atomic
def document_update(
    *,
    actor: Any,
    document: Document,
    data: dict[str, Any],
    tags: Iterable[str] | None = None,
    readers: Iterable[Any] | None = None,
) -> list[str]:
    """Change a document's metadata (and tags, readers); returns warnings, raises on bad input.

    A secret document always names the actor among its readers and is never public; a
    registered document keeps its series (secret or not) because its number came from it.
    """
    require_perm_at(actor, "documents.change_document", document.unit.path)
    document = Document.objects.select_for_update().get(pk=document.pk)
    clean = clean_metadata(document, data)
    warnings: list[str] = []
    was_secret = document.is_secret
    before = {name: getattr(document, name) for name in clean}
    for name, value in clean.items():
        setattr(document, name, value)
    renumbered = "number" in clean or "notation" in clean
    if renumbered and "number_notation" not in clean and document.number:
        document.number_notation = join_number(document.number, document.notation)
    if document.registered_at and was_secret != document.is_secret:
        raise ValidationError(
            {
                "secrecy": _(
                    "%(field)s: this document is registered in the %(series)s series; its "
                    "secrecy cannot move it to the other series."
                )
                % {
                    "field": _label("secrecy"),
                    "series": _("secret") if was_secret else _("ordinary"),
                }
            }
        )
    if document.is_secret and document.is_public:
        document.is_public = False
        document.published_at = None
        document.published_by = None
        warnings.append(_("A secret document cannot stay published: it was withdrawn."))
    changed = [n for n in clean if before[n] != getattr(document, n)]
    document._change_reason = _("metadata edited")  # type: ignore[attr-defined]
    document.save()
    if tags is not None:
        document.tags.set(_tags(tags))
        changed.append("tags")
    if readers is not None or document.is_secret:
        people = {u.pk: u for u in (readers if readers is not None else document.readers.all())}
        if document.is_secret and actor is not None and actor.is_authenticated:
            people.setdefault(actor.pk, actor)
        if readers is not None or set(people) - set(document.readers.values_list("pk", flat=True)):
            document.readers.set(list(people.values()))
            changed.append("readers")
    warnings.extend(duplicate_warning(d) for d in duplicates_of(actor, document))
    reindex(document)
    audit(
        actor=actor,
        action="document.update",
        obj=document,
        unit=document.unit,
        detail={"fields": changed, "warnings": len(warnings)},
    )
    return warnings


def suggestion_values(suggested: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{"field": {"value": …, "confirmed": False}} for the fields a document can take."""
    return {
        name: {"value": value, "confirmed": False}
        for name, value in suggested.items()
        if name in SUGGESTED
    }


def document_apply_suggestions(document: Document, text: str) -> dict[str, Any]:
    """Read the first page and store what it suggests (for the pipeline; fields untouched).

    Suggestions already confirmed are kept as they are.
    """
    from hoiso.documents.suggest import suggest_metadata

    stored = dict(document.suggestions or {})
    for name, entry in suggestion_values(suggest_metadata(text)).items():
        if not (stored.get(name) or {}).get("confirmed"):
            stored[name] = entry
    Document.objects.filter(pk=document.pk).update(suggestions=stored)
    document.suggestions = stored
    return stored


@transaction.atomic
def document_confirm_suggestions(
    *,
    actor: Any,
    document: Document,
    fields: list[str],
    corrections: dict[str, Any] | None = None,
) -> list[str]:
    """Write the named suggestions (or the cadre's corrections of them) to the metadata."""
    corrections = corrections or {}
    stored = dict(document.suggestions or {})
    data: dict[str, Any] = {}
    for name in fields:
        if name not in SUGGESTED or (name not in stored and name not in corrections):
            raise ValidationError({name: _("There is no suggestion for this field.")})
        data[name] = corrections.get(name, stored.get(name, {}).get("value"))
    warnings = document_update(actor=actor, document=document, data=data)
    for name, value in data.items():
        stored[name] = {
            "value": value.code if isinstance(value, DocumentType) else value,
            "confirmed": True,
        }
    Document.objects.filter(pk=document.pk).update(suggestions=stored)
    document.refresh_from_db()
    return warnings
