"""The legal registers (sổ đăng ký văn bản đi / đến) and the index of a file (mục lục văn bản
trong hồ sơ): their rows, and the .xlsx and printable PDF (A4 landscape) built from them.

Columns follow Decree 30/2020 (appendix IV). Always in Vietnamese, as legal records, whatever
the interface language. Reads go through ``restrict`` (secret documents only for their named
readers, and in their own series); every export writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hoiso.core.access import require_perm_at
from hoiso.core.audit import audit
from hoiso.documents.models import Direction, Document, Dossier, Register, Secrecy
from hoiso.org.models import Unit

LANGUAGE = "vi"

OUT_COLUMNS = [
    (pgettext_lazy("register column", "No."), 7),
    (pgettext_lazy("register column", "Date"), 11),
    (pgettext_lazy("register column", "Number and notation"), 16),
    (pgettext_lazy("register column", "Type and summary"), 44),
    (pgettext_lazy("register column", "Signed by"), 18),
    (pgettext_lazy("register column", "Recipients"), 26),
    (pgettext_lazy("register column", "Unit keeping the original"), 16),
    (pgettext_lazy("register column", "Copies"), 7),
    (pgettext_lazy("register column", "Notes"), 14),
]
IN_COLUMNS = [
    (pgettext_lazy("register column", "Arrival no."), 8),
    (pgettext_lazy("register column", "Arrival date"), 11),
    (pgettext_lazy("register column", "Author (sender)"), 26),
    (pgettext_lazy("register column", "Number and notation"), 16),
    (pgettext_lazy("register column", "Date of the document"), 11),
    (pgettext_lazy("register column", "Type and summary"), 40),
    (pgettext_lazy("register column", "Unit or person receiving"), 18),
    (pgettext_lazy("register column", "Signature on receipt"), 12),
    (pgettext_lazy("register column", "Notes"), 14),
]
INDEX_COLUMNS = [
    (pgettext_lazy("register column", "No."), 6),
    (pgettext_lazy("register column", "Number and notation"), 16),
    (pgettext_lazy("register column", "Date of the document"), 11),
    (pgettext_lazy("register column", "Author"), 24),
    (pgettext_lazy("register column", "Summary"), 44),
    (pgettext_lazy("register column", "Pages"), 7),
    (pgettext_lazy("register column", "Notes"), 14),
]


@dataclass(frozen=True)
class Sheet:
    """A printable table: title lines, headers with widths, rows of cell values."""

    title: str
    subtitle: str
    unit_name: str
    headers: list[str]
    widths: list[float]
    rows: list[list[Any]]
    landscape: bool = True


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _type_and_summary(doc: Document) -> str:
    name = doc.doc_type.name if doc.doc_type_id and doc.doc_type else ""
    return f"{name}: {doc.summary}" if name and doc.summary else name or doc.summary


def register_queryset(
    user: Any, unit: Unit, register: str, year: int, *, secret: bool = False
) -> QuerySet[Document]:
    """The registered documents of one register, year and series that the user may see."""
    require_perm_at(user, "documents.view_document", unit.path)
    qs = Document.objects.restrict(user, "view").filter(unit=unit, registered_at__isnull=False)
    qs = qs.exclude(secrecy=Secrecy.NORMAL) if secret else qs.filter(secrecy=Secrecy.NORMAL)
    if register == Register.OUTGOING:
        return qs.filter(direction=Direction.OUTGOING, issue_year=year).order_by("number", "pk")
    if register == Register.INCOMING:
        return qs.filter(direction=Direction.INCOMING, arrival_date__year=year).order_by(
            "arrival_number", "pk"
        )
    raise ValueError(register)


def register_rows(
    user: Any, unit: Unit, register: str, year: int, *, secret: bool = False
) -> list[list[Any]]:
    """The register's rows as printed: one list of cell values per document."""
    qs = register_queryset(user, unit, register, year, secret=secret).select_related(
        "doc_type", "handling_unit"
    )
    rows: list[list[Any]] = []
    for doc in qs:
        if register == Register.OUTGOING:
            signer = ", ".join(p for p in (doc.signer_position, doc.signer_name) if p)
            rows.append(
                [
                    doc.number,
                    _date(doc.issue_date),
                    doc.number_notation,
                    _type_and_summary(doc),
                    signer,
                    doc.recipients,
                    unit.name,
                    doc.copies or "",
                    doc.get_secrecy_display()
                    if doc.secrecy
                    else doc.get_urgency_display()
                    if doc.urgency
                    else "",
                ]
            )
        else:
            rows.append(
                [
                    doc.arrival_number,
                    _date(doc.arrival_date),
                    doc.issuer,
                    doc.number_notation,
                    _date(doc.issue_date),
                    _type_and_summary(doc),
                    doc.handling_unit.name if doc.handling_unit else "",
                    "",
                    doc.get_secrecy_display()
                    if doc.secrecy
                    else doc.get_urgency_display()
                    if doc.urgency
                    else "",
                ]
            )
    return rows


def register_sheet(
    user: Any, unit: Unit, register: str, year: int, *, secret: bool = False
) -> Sheet:
    with translation.override(LANGUAGE):
        columns = OUT_COLUMNS if register == Register.OUTGOING else IN_COLUMNS
        title = (
            _("OUTGOING DOCUMENTS REGISTER")
            if register == Register.OUTGOING
            else _("INCOMING DOCUMENTS REGISTER")
        )
        subtitle = _("Year %(year)d") % {"year": year}
        if secret:
            subtitle += " — " + _("secret documents")
        rows = register_rows(user, unit, register, year, secret=secret)
        return Sheet(
            title=title,
            subtitle=subtitle,
            unit_name=unit.name,
            headers=[str(c[0]) for c in columns],
            widths=[c[1] for c in columns],
            rows=rows,
        )


def dossier_index_sheet(user: Any, dossier: Dossier) -> Sheet:
    """The index of the documents in a file (mục lục văn bản), in the file's order."""
    require_perm_at(user, "documents.view_dossier", dossier.unit.path)
    visible = Document.objects.restrict(user, "view").values("pk")
    items = (
        dossier.items.filter(document__in=visible)
        .select_related("document", "document__doc_type")
        .order_by("position", "id")
    )
    rows = []
    for n, item in enumerate(items, start=1):
        doc = item.document
        rows.append(
            [
                n,
                doc.number_notation,
                _date(doc.issue_date),
                doc.issuer,
                _type_and_summary(doc),
                doc.pages or "",
                item.note,
            ]
        )
    with translation.override(LANGUAGE):
        return Sheet(
            title=_("INDEX OF THE DOCUMENTS IN THE FILE"),
            subtitle=_("File %(code)s — %(title)s (%(year)d)")
            % {"code": dossier.code, "title": dossier.title, "year": dossier.year},
            unit_name=dossier.unit.name,
            headers=[str(c[0]) for c in INDEX_COLUMNS],
            widths=[c[1] for c in INDEX_COLUMNS],
            rows=rows,
            landscape=False,
        )


def sheet_xlsx(sheet: Sheet) -> bytes:
    """The table as an .xlsx: unit, title and subtitle rows, bold bordered headers."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet.title[:31]
    last = get_column_letter(len(sheet.headers))
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append([sheet.unit_name])
    ws["A1"].font = Font(bold=True)
    ws.append([sheet.title])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = Font(bold=True, size=14)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.append([sheet.subtitle])
    ws.merge_cells(f"A3:{last}3")
    ws["A3"].alignment = Alignment(horizontal="center")
    ws.append([])
    ws.append(sheet.headers)
    for index, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        cell = ws.cell(row=5, column=index)
        cell.font = Font(bold=True)
        cell.border = box
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for row in sheet.rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.border = box
            cell.alignment = wrap
    ws.freeze_panes = "A6"
    ws.print_title_rows = "5:5"
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _no_fetching() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def sheet_pdf(sheet: Sheet) -> bytes:
    """The table as a PDF (A4, landscape for the registers), fonts that carry Vietnamese."""
    from weasyprint import HTML  # late: the app runs without Pango until a PDF is asked

    with translation.override(LANGUAGE):
        html = render_to_string("documents/print/table.html", {"sheet": sheet})
    return bytes(HTML(string=html, url_fetcher=_no_fetching()).write_pdf() or b"")


def _export(
    user: Any, sheet: Sheet, fmt: str, action: str, obj: Any, unit: Unit, **detail: Any
) -> bytes:
    data = sheet_xlsx(sheet) if fmt == "xlsx" else sheet_pdf(sheet)
    audit(
        actor=user,
        action=action,
        obj=obj,
        unit=unit,
        object_type="" if obj is not None else "documents.register",
        object_id="" if obj is not None else str(unit.pk),
        object_repr="" if obj is not None else sheet.title,
        detail={"format": fmt, "rows": len(sheet.rows), **detail},
    )
    return data


def register_export(
    user: Any, unit: Unit, register: str, year: int, *, fmt: str, secret: bool = False
) -> bytes:
    """The register as .xlsx or .pdf (``fmt``), audited."""
    sheet = register_sheet(user, unit, register, year, secret=secret)
    return _export(
        user, sheet, fmt, "document.register_export", None, unit,
        register=register, year=year, secret=secret,
    )  # fmt: skip


def register_xlsx(
    user: Any, unit: Unit, register: str, year: int, *, secret: bool = False
) -> bytes:
    return register_export(user, unit, register, year, fmt="xlsx", secret=secret)


def register_pdf(user: Any, unit: Unit, register: str, year: int, *, secret: bool = False) -> bytes:
    return register_export(user, unit, register, year, fmt="pdf", secret=secret)


def dossier_index_export(user: Any, dossier: Dossier, *, fmt: str) -> bytes:
    """The file's index as .xlsx or .pdf, audited."""
    sheet = dossier_index_sheet(user, dossier)
    return _export(user, sheet, fmt, "dossier.index_export", dossier, dossier.unit)


__all__: Sequence[str] = (
    "dossier_index_export",
    "dossier_index_sheet",
    "register_export",
    "register_pdf",
    "register_rows",
    "register_sheet",
    "register_xlsx",
    "sheet_pdf",
    "sheet_xlsx",
)
