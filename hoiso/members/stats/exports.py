"""The member roster as .xlsx (official layout) and .csv, streamed from the database.

Rows come from ``member_queryset`` through ``.iterator(chunk_size=2000)`` as plain tuples: a
province never sits in memory, and a commune of 5,000 is written in well under a second.
Sensitive columns (and the full ID number) exist only when the caller says the user may see
them; otherwise their ciphertexts are not even selected. The file is always in Vietnamese (the
official roster layout), whatever the user's interface language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hoiso.core import crypto
from hoiso.core.tree import subtree_q
from hoiso.members.choices import SENSITIVE_FIELDS, MemberType, Sex, Status
from hoiso.members.models import DuesPayment, Member
from hoiso.org.models import Unit

CHUNK = 2000
DATE_FORMAT = "DD/MM/YYYY"
ROSTER_LANGUAGE = "vi"
# Level codes (data, see hoiso/org/seed.py) of the units shown in the "Chi hội" and "Tổ" columns.
CHAPTER_LEVEL = "chi-hoi"
GROUP_LEVEL = "to"


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy msgid
    width: float
    sensitive: bool = False


# Headers carry a context: the roster's wording is fixed by the official layout, whatever the
# same English words become elsewhere in the interface.
COLUMNS: list[Column] = [
    Column("full_name", pgettext_lazy("roster column", "Full name"), 26),
    Column("birth", pgettext_lazy("roster column", "Date of birth"), 12),
    Column("sex", pgettext_lazy("roster column", "Sex"), 8),
    Column("id_number", pgettext_lazy("roster column", "ID number"), 15),
    Column("phone", pgettext_lazy("roster column", "Phone number"), 13),
    Column("chapter", pgettext_lazy("roster column", "Chapter"), 22),
    Column("group", pgettext_lazy("roster column", "Group"), 16),
    Column("join_date", pgettext_lazy("roster column", "Joined on"), 12),
    Column("member_type", pgettext_lazy("roster column", "Membership type"), 12),
    Column("status", pgettext_lazy("roster column", "Status"), 14),
    Column("card_number", pgettext_lazy("roster column", "Card number"), 16),
    Column("dues", pgettext_lazy("roster column", "Dues {year}"), 11),
    # sensitive: in the order of SENSITIVE_FIELDS (a test checks it)
    Column("ethnicity", pgettext_lazy("roster column", "Ethnicity"), 12, sensitive=True),
    Column("religion", pgettext_lazy("roster column", "Religion"), 12, sensitive=True),
    Column("party_member", pgettext_lazy("roster column", "Party member"), 10, sensitive=True),
    Column("health", pgettext_lazy("roster column", "Health or disability"), 16, sensitive=True),
    Column("poverty", pgettext_lazy("roster column", "Poor or near-poor"), 14, sensitive=True),
    Column("hardship", pgettext_lazy("roster column", "Hardship"), 16, sensitive=True),
]


def columns_for(*, sensitive: bool) -> list[Column]:
    return [c for c in COLUMNS if sensitive or not c.sensitive]


def headers_for(*, sensitive: bool, year: int) -> list[str]:
    """Column headers in the roster's language, STT first."""
    with translation.override(ROSTER_LANGUAGE):
        return ["STT"] + [
            str(c.header).format(year=year) if c.key == "dues" else str(c.header)
            for c in columns_for(sensitive=sensitive)
        ]


# --- rows -----------------------------------------------------------------------------------

BASE_FIELDS = [
    "pk", "full_name", "birth_date", "birth_year", "sex", "id_number_hint", "phone", "unit_id",
    "join_date", "member_type", "status", "card_number", "dues_paid",
]  # fmt: skip
SENSITIVE_DB_FIELDS = [
    "id_number_enc",
    *[f"{name}_{part}" for name in SENSITIVE_FIELDS for part in ("enc", "idx")],
]


class _Placement:
    """Chapter and group names per unit id.

    With a unit to export, its whole subtree is read at once (one query, a few thousand rows
    for a province); otherwise the units are fetched one chunk of members at a time.
    """

    def __init__(self, root: Unit | None) -> None:
        self.known: dict[int, tuple[str, str]] = {}
        if root is not None:
            self._add(Unit.objects.filter(subtree_q(root.path)))

    def load(self, unit_ids: Iterable[int]) -> None:
        missing = {u for u in unit_ids if u not in self.known}
        if missing:
            self._add(Unit.objects.filter(pk__in=missing))

    def _add(self, qs: QuerySet[Unit]) -> None:
        # Units of members the user may already see: the scope check happened on the members.
        for unit in qs.select_related("level", "parent"):
            level = unit.level.code
            if level == GROUP_LEVEL:
                self.known[unit.pk] = (unit.parent.name if unit.parent else "", unit.name)
            elif level == CHAPTER_LEVEL:
                self.known[unit.pk] = (unit.name, "")
            else:
                self.known[unit.pk] = ("", "")

    def __getitem__(self, unit_id: int) -> tuple[str, str]:
        return self.known.get(unit_id, ("", ""))


class _Decrypter:
    """Decrypts each distinct sensitive value once: same keyed hash, same (folded) value."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def __call__(self, name: str, token: str, idx: str) -> str:
        if not token:
            return ""
        key = (name, idx)
        if idx and key in self.seen:
            return self.seen[key]
        value = crypto.decrypt(token, field=name) or ""
        if idx:
            self.seen[key] = value
        return value


def export_queryset(qs: QuerySet[Member], *, year: int, sensitive: bool) -> QuerySet[Any]:
    """The roster's rows as tuples, in the list's order (Vietnamese name order)."""
    paid = Exists(DuesPayment.objects.filter(member=OuterRef("pk"), year=year))
    fields = BASE_FIELDS + (SENSITIVE_DB_FIELDS if sensitive else [])
    return qs.annotate(dues_paid=paid).order_by("name_sort", "pk").values_list(*fields)


def export_rows(
    qs: QuerySet[Member], *, year: int, sensitive: bool, root: Unit | None = None
) -> Iterator[list[Any]]:
    """One list of cell values per member (without STT), dates as ``date`` or a year."""
    with translation.override(ROSTER_LANGUAGE):
        sex = {k: str(v) for k, v in Sex.choices}
        kind = {k: str(v) for k, v in MemberType.choices}
        status = {k: str(v) for k, v in Status.choices}
        paid_text = {True: _("Paid"), False: _("Not paid")}
    placement = _Placement(root)
    decrypt = _Decrypter()
    names = list(SENSITIVE_FIELDS)
    rows = export_queryset(qs, year=year, sensitive=sensitive).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        placement.load(r[7] for r in chunk)
        for r in chunk:
            (
                _pk, full_name, birth_date, birth_year, sx, hint, phone, unit_id,
                join_date, member_type, st, card_number, dues_paid, *secret,
            ) = r  # fmt: skip
            chapter, group = placement[unit_id]
            id_number = hint
            if sensitive and secret[0]:
                id_number = crypto.decrypt(secret[0], field="id_number") or ""
            row: list[Any] = [
                full_name,
                birth_date or birth_year,
                sex.get(sx, sx),
                id_number,
                phone,
                chapter,
                group,
                join_date,
                kind.get(member_type, member_type),
                status.get(st, st),
                card_number,
                paid_text[bool(dues_paid)],
            ]
            if sensitive:
                pairs = secret[1:]
                row.extend(
                    decrypt(name, pairs[2 * i], pairs[2 * i + 1]) for i, name in enumerate(names)
                )
            yield row


# --- writers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """The block above the header: issuing bodies, document title, date and author."""

    upper_body: str  # e.g. "HỘI LHPN TỈNH THÁI NGUYÊN" (may be empty)
    body: str  # e.g. "HỘI LHPN PHƯỜNG PHỔ YÊN"
    title: str  # "DANH SÁCH HỘI VIÊN"
    lines: Sequence[str]  # e.g. the filter, the count, "Ngày xuất: …, người xuất: …"


def roster_title(*, unit: Unit | None, count: int, author: str, when: dt.datetime) -> Title:
    with translation.override(ROSTER_LANGUAGE):
        if unit is None:
            body, upper = _("Vietnam Women's Union").upper(), ""
        else:
            body = unit.name.upper()
            upper = unit.parent.name.upper() if unit.parent_id and unit.parent else ""
        return Title(
            upper_body=upper,
            body=body,
            title=_("LIST OF MEMBERS"),
            lines=[
                _("Total: {count} members").format(count=f"{count:,}".replace(",", ".")),
                _("Exported on {date} by {user}").format(date=f"{when:%d/%m/%Y}", user=author),
            ],
        )


def _nation_motto() -> tuple[str, str]:
    with translation.override(ROSTER_LANGUAGE):
        return _("SOCIALIST REPUBLIC OF VIETNAM"), _("Independence - Freedom - Happiness")


def _text_cell(ws: Any, value: str, *, font: Font | None = None, align: Any = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell


def write_roster_xlsx(
    *, title: Title, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float]
) -> tempfile._TemporaryFileWrapper[bytes]:
    """The roster in a temporary .xlsx: title block, bold header with STT, one row per member."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="Danh sách")
    ncols = len(headers)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, width in enumerate([5, *widths], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    half = max(3, ncols // 2)
    motto, motto2 = _nation_motto()
    last = get_column_letter(ncols)
    left_end = get_column_letter(half - 1)
    right_start = get_column_letter(half)
    for row in (1, 2):
        ws.merged_cells.add(f"A{row}:{left_end}{row}")
        ws.merged_cells.add(f"{right_start}{row}:{last}{row}")
    for row in (4, *range(5, 5 + len(title.lines))):
        ws.merged_cells.add(f"A{row}:{last}{row}")

    def line(left: Any, right: Any) -> list[Any]:
        return [left, *([None] * (half - 2)), right]

    ws.append(line(_text_cell(ws, title.upper_body, align=centre),
                   _text_cell(ws, motto, font=bold, align=centre)))  # fmt: skip
    ws.append(line(_text_cell(ws, title.body, font=bold, align=centre),
                   _text_cell(ws, motto2, font=bold, align=centre)))  # fmt: skip
    ws.append([])
    ws.append([_text_cell(ws, title.title, font=title_font, align=centre)])
    for text in title.lines:
        ws.append([_text_cell(ws, text, align=centre)])
    ws.append([])
    header_row = 4 + len(title.lines) + 2
    ws.freeze_panes = f"C{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    header_cells = []
    for text in headers:
        cell = _text_cell(ws, text, font=bold, align=centre)
        cell.border = box
        header_cells.append(cell)
    ws.append(header_cells)
    for index, values in enumerate(rows, start=1):
        out: list[Any] = [index]
        for value in values:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]  # stub lacks date
                cell.number_format = DATE_FORMAT
                out.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                out.append(_text_cell(ws, value))
            else:
                out.append(value)
        ws.append(out)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse
    wb.save(handle)
    handle.seek(0)
    return handle


# Characters that make a spreadsheet read a CSV cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(
    *, headers: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 500
) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel then reads the diacritics right), CRLF, the header then rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for index, values in enumerate(rows, start=1):
        writer.writerow([index, *(_csv_value(v) for v in values)])
        pending += 1
        if pending == batch:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()
