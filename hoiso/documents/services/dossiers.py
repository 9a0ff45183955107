"""Files (hồ sơ): create, fill, close, review when retention runs out, dispose by decision.

Retention: a closed file is due for review at the end of its closing year plus its retention
period; the period defaults to the longest of its documents' types, permanent if any is.
Disposal happens only through a ``DisposalDecision`` (number, date, reason, council) naming
the files. The decision, the files' records and their documents' metadata stay for ever;
the stored bytes (every version's original and archive copy) of a document are removed only
when the document sits in no other file that is not being disposed of. A permanent file can
never be disposed of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import require_perm, require_perm_at
from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc
from hoiso.documents.models import (
    AccessRegime,
    DisposalDecision,
    Document,
    DocumentVersion,
    Dossier,
    DossierItem,
    DossierStatus,
)
from hoiso.documents.services.metadata import reindex
from hoiso.org.models import Unit

# Sentinel for "permanent" when comparing retention periods.
PERMANENT = None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def dossier_create(
    *,
    actor: Any,
    unit: Unit,
    code: str,
    title: str,
    year: int,
    retention_years: int | None = None,
    access: str = AccessRegime.OPEN,
    keeper: str = "",
    opened_on: dt.date | None = None,
    readers: Iterable[Any] = (),
) -> Dossier:
    """Open a file in ``unit``; a secret file names the actor among its readers."""
    require_perm_at(actor, "documents.add_dossier", unit.path)
    errors: dict[str, list[str]] = {}
    code, title = nfc(code), nfc(title)
    if not code:
        errors["code"] = [_("File code: required.")]
    if not title:
        errors["title"] = [_("Title: required.")]
    if not 1900 <= int(year) <= 2200:
        errors["year"] = [_("Year: «%(value)s» is not a year.") % {"value": year}]
    if access not in AccessRegime.values:
        errors["access"] = [_("Access regime: unknown value «%(value)s».") % {"value": access}]
    if code and Dossier.objects.filter(unit=unit, year=year, code=code).exists():
        errors["code"] = [
            _("File code: %(code)s already exists in %(year)d.") % {"code": code, "year": year}
        ]
    if errors:
        raise ValidationError(errors)
    dossier = Dossier(
        unit=unit,
        code=code,
        title=title,
        year=year,
        retention_years=retention_years,
        access=access,
        keeper=keeper,
        opened_on=opened_on or timezone.localdate(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    dossier._change_reason = _("file opened")  # type: ignore[attr-defined]
    dossier.save()
    people = list(readers)
    if access == AccessRegime.SECRET and getattr(actor, "is_authenticated", False):
        people.append(actor)
    if people:
        dossier.readers.set(people)
    audit(actor=actor, action="dossier.create", obj=dossier, unit=unit)
    return dossier


def _check_open(dossier: Dossier) -> None:
    if dossier.status != DossierStatus.OPEN:
        raise ValidationError(
            _("File %(code)s is %(status)s: its documents can no longer change.")
            % {"code": dossier.code, "status": dossier.get_status_display()}
        )


@transaction.atomic
def dossier_add_documents(
    *, actor: Any, dossier: Dossier, documents: Sequence[Document], note: str = ""
) -> list[DossierItem]:
    """Put documents in a file (no copy: a document may sit in several files).

    The caller fetched the documents through ``restrict``; they must belong to the file's
    unit or under it. Documents already in the file are skipped.
    """
    require_perm_at(actor, "documents.change_dossier", dossier.unit.path)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _check_open(dossier)
    outside = [d for d in documents if not d.unit.path.startswith(dossier.unit.path)]
    if outside:
        raise ValidationError(
            _("Document %(doc)s belongs to another unit than the file.") % {"doc": outside[0]}
        )
    present = set(dossier.items.values_list("document_id", flat=True))
    position = dossier.items.aggregate(m=Max("position"))["m"] or 0
    added = []
    for document in documents:
        if document.pk in present:
            continue
        position += 1
        present.add(document.pk)
        added.append(
            DossierItem.objects.create(
                dossier=dossier,
                document=document,
                position=position,
                note=note,
                added_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    audit(
        actor=actor,
        action="dossier.add_documents",
        obj=dossier,
        unit=dossier.unit,
        detail={"documents": [i.document_id for i in added]},
    )
    return added


@transaction.atomic
def dossier_remove_document(*, actor: Any, dossier: Dossier, document: Document) -> None:
    """Take a document out of an open file (the document itself stays)."""
    require_perm_at(actor, "documents.change_dossier", dossier.unit.path)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _check_open(dossier)
    deleted, _rows = DossierItem.objects.filter(dossier=dossier, document=document).delete()
    if not deleted:
        raise ValidationError(_("This document is not in the file."))
    audit(
        actor=actor,
        action="dossier.remove_document",
        obj=dossier,
        unit=dossier.unit,
        detail={"document": document.pk},
    )


def default_retention(dossier: Dossier) -> int | None:
    """The longest retention of the file's documents' types; None (permanent) if any is.

    A document without a type counts as permanent: nothing says it may go.
    """
    years: list[int] = []
    for doc in dossier.documents.select_related("doc_type"):
        if doc.doc_type is None or doc.doc_type.retention_years is None:
            return PERMANENT
        years.append(doc.doc_type.retention_years)
    return max(years) if years else PERMANENT


@transaction.atomic
def dossier_close(
    *,
    actor: Any,
    dossier: Dossier,
    closed_on: dt.date | None = None,
    retention_years: int | str | None = "default",
) -> Dossier:
    """Close a file: its retention (given, else from its documents' types) sets its review date.

    ``review_due`` = 31 December of the closing year + retention; none for a permanent file.
    """
    require_perm_at(actor, "documents.change_dossier", dossier.unit.path)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _check_open(dossier)
    closed_on = closed_on or timezone.localdate()
    if retention_years == "default":
        retention = (
            dossier.retention_years
            if dossier.retention_years is not None
            else default_retention(dossier)
        )
    else:
        retention = retention_years  # type: ignore[assignment]
    if retention is not None and not 1 <= int(retention) <= 100:
        raise ValidationError(
            {"retention_years": _("Retention: between 1 and 100 years, or permanent.")}
        )
    dossier.retention_years = retention
    dossier.closed_on = closed_on
    dossier.status = DossierStatus.CLOSED
    dossier.review_due = (
        None if retention is None else _add_years(dt.date(closed_on.year, 12, 31), retention)
    )
    dossier._change_reason = _("file closed")  # type: ignore[attr-defined]
    dossier.save()
    audit(
        actor=actor,
        action="dossier.close",
        obj=dossier,
        unit=dossier.unit,
        detail={"retention_years": retention, "review_due": str(dossier.review_due or "")},
    )
    return dossier


def dossiers_due_for_review(user: Any, on: dt.date | None = None) -> QuerySet[Dossier]:
    """Closed, non-permanent files whose review date has come (on ``on``, default today)."""
    on = on or timezone.localdate()
    return (
        Dossier.objects.restrict(user, "view")
        .filter(status=DossierStatus.CLOSED, review_due__isnull=False, review_due__lte=on)
        .select_related("unit")
        .order_by("review_due", "code")
    )


def _remove_bytes(documents: Iterable[Document]) -> list[str]:
    """Delete the stored files of these documents' versions after commit; return their names."""
    names: list[str] = []
    for version in DocumentVersion.objects.filter(document__in=list(documents)):
        for field in (version.file, version.archive):
            if field and field.name:
                names.append(field.name)
    storage = DocumentVersion._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
    return names


@transaction.atomic
def disposal_decide(
    *,
    actor: Any,
    unit: Unit,
    number: str,
    decided_on: dt.date,
    reason: str,
    council: str,
    dossiers: Sequence[Dossier],
) -> DisposalDecision:
    """Dispose of closed files by an explicit decision; the records stay, the bytes go.

    Each file must be closed, due for review on the decision date, not permanent, and in the
    deciding unit's subtree. A document's bytes are removed only when it sits in no file that
    is left standing (open, closed or permanent); its metadata and history stay, marked
    disposed.
    """
    require_perm_at(actor, "documents.dispose_dossier", unit.path)
    require_perm(actor, "documents.view_dossier")
    errors: list[str] = []
    number, reason = nfc(number), nfc(reason)
    if not number:
        errors.append(_("Decision number: required."))
    if not reason:
        errors.append(_("Reason: required."))
    if not dossiers:
        errors.append(_("The decision names no file."))
    locked = list(
        Dossier.objects.select_for_update().filter(pk__in=[d.pk for d in dossiers]).order_by("pk")
    )
    for dossier in locked:
        if not dossier.unit.path.startswith(unit.path):
            errors.append(_("File %(code)s is not in this unit.") % {"code": dossier.code})
        elif dossier.status != DossierStatus.CLOSED:
            errors.append(
                _("File %(code)s is %(status)s.")
                % {"code": dossier.code, "status": dossier.get_status_display()}
            )
        elif dossier.retention_years is None or dossier.review_due is None:
            errors.append(
                _("File %(code)s is kept permanently and can never be disposed of.")
                % {"code": dossier.code}
            )
        elif dossier.review_due > decided_on:
            errors.append(
                _("File %(code)s is kept until %(date)s.")
                % {"code": dossier.code, "date": dossier.review_due.strftime("%d/%m/%Y")}
            )
    if errors:
        raise ValidationError(errors)
    decision = DisposalDecision.objects.create(
        unit=unit,
        number=number,
        decided_on=decided_on,
        reason=reason,
        council=nfc(council),
        decided_by=actor,
    )
    decision.dossiers.set(locked)
    disposed_ids = {d.pk for d in locked}
    documents = Document.objects.filter(dossiers__in=locked).distinct()
    now = timezone.now()
    gone: list[Document] = []
    for document in documents:
        standing = document.dossier_items.exclude(dossier_id__in=disposed_ids).exclude(
            dossier__status=DossierStatus.DISPOSED
        )
        if standing.exists():
            continue
        document.disposed_at = now
        document.is_public = False
        document._change_reason = _("disposed of by decision %(n)s") % {"n": number}  # type: ignore[attr-defined]
        document.save()
        reindex(document)
        gone.append(document)
    removed = _remove_bytes(gone)
    for dossier in locked:
        dossier.status = DossierStatus.DISPOSED
        dossier._change_reason = _("disposed of by decision %(n)s") % {"n": number}  # type: ignore[attr-defined]
        dossier.save()
        audit(actor=actor, action="dossier.dispose", obj=dossier, unit=dossier.unit,
              detail={"decision": decision.pk})  # fmt: skip
    audit(
        actor=actor,
        action="disposal.decide",
        obj=decision,
        unit=unit,
        detail={
            "dossiers": sorted(disposed_ids),
            "documents_disposed": [d.pk for d in gone],
            "files_removed": len(removed),
        },
    )
    return decision
