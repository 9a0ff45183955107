"""The statistics as an Excel workbook: one sheet per table, Vietnamese like the roster."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hoiso.members.stats.exports import ROSTER_LANGUAGE
from hoiso.members.stats.selectors import MemberStats, Share

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


class _Sheet:
    """A write-only sheet with a title block and small tables one under another."""

    def __init__(self, wb: Workbook, name: str, *, heading: Sequence[str]) -> None:
        self.ws = wb.create_sheet(title=name[:31])
        self.ws.column_dimensions["A"].width = 42
        for letter in "BCDEFGHIJKLMNOPQR":
            self.ws.column_dimensions[letter].width = 14
        for i, line in enumerate(heading):
            self.row([line], font=TITLE if i == 1 else BOLD if i == 0 else None)
        self.ws.append([])

    def row(self, values: Sequence[Any], *, font: Font | None = None) -> None:
        cells = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(self.ws, value=value)
                cell.data_type = "s"  # never a formula
                if font is not None:
                    cell.font = font
                cells.append(cell)
            else:
                cells.append(value)
        self.ws.append(cells)

    def table(self, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.row([title], font=BOLD)
        self.row(list(header), font=BOLD)
        for values in rows:
            self.row(values)
        self.ws.append([])


def _shares(shares: Sequence[Share]) -> list[list[Any]]:
    return [[str(s.label), s.count, s.percent] for s in shares]


def write_stats_xlsx(
    stats: MemberStats, *, author: str, when: dt.datetime
) -> tempfile._TemporaryFileWrapper[bytes]:
    """Sheets: summary and breakdowns, by unit, by year joined, sensitive (permitted only)."""
    with translation.override(ROSTER_LANGUAGE):
        return _write(stats, author=author, when=when)


def _write(
    stats: MemberStats, *, author: str, when: dt.datetime
) -> tempfile._TemporaryFileWrapper[bytes]:
    wb = Workbook(write_only=True)
    unit = stats.unit
    heading = [
        unit.name.upper(),
        _("MEMBER STATISTICS"),
        _("Exported on {date} by {user}").format(date=f"{when:%d/%m/%Y}", user=author),
    ]
    count, share = _("Members"), _("Share (%)")

    summary = _Sheet(wb, _("Summary"), heading=heading)
    summary.table(
        _("Overview, year {year}").format(year=stats.year),
        [_("Indicator"), _("Members"), _("Share (%)")],
        [
            [_("Records (every status)"), stats.records, None],
            [
                _("Members in force (active or away)"),
                stats.current,
                100.0 if stats.current else None,
            ],
            [_("Active"), stats.active, None],
            [_("Dues paid {year}").format(year=stats.year), stats.paid, stats.paid_percent],
            [_("Holding a member card"), stats.carded, stats.carded_percent],
            [
                _("Digitally active (at least {n} of 6 indicators)").format(n=stats.digital_min),
                stats.digital,
                stats.digital_percent,
            ],
        ],
    )
    summary.table(
        _("By status (every record)"), [_("Status"), count, share], _shares(stats.by_status)
    )
    summary.table(_("By membership type"), [_("Type"), count, share], _shares(stats.by_type))
    summary.table(_("By age"), [_("Age"), count, share], _shares(stats.by_age))
    summary.table(_("By occupation"), [_("Occupation"), count, share], _shares(stats.by_occupation))
    summary.table(_("Member cards"), [_("Card"), count, share], _shares(stats.by_card))
    summary.table(
        _("Dues {year}").format(year=stats.year), [_("Dues"), count, share], _shares(stats.by_dues)
    )
    summary.table(
        _("Digital participation"),
        [_("Indicator"), _("Yes"), share, _("No"), _("Not asked")],
        [[str(r.label), r.yes, r.percent, r.no, r.unknown] for r in stats.indicators],
    )

    units = _Sheet(wb, _("By unit"), heading=heading)
    units.table(
        _("By directly subordinate unit"),
        [
            _("Unit"),
            _("Members in force"),
            _("Active"),
            _("Dues paid"),
            _("Dues paid (%)"),
            _("Carded"),
            _("Carded (%)"),
            _("Digitally active"),
            _("Digitally active (%)"),
        ],
        [
            [
                r.label,
                r.current,
                r.active,
                r.paid,
                r.paid_percent,
                r.carded,
                r.carded_percent,
                r.digital,
                r.digital_percent,
            ]
            for r in stats.children
        ],
    )

    joined = _Sheet(wb, _("By year joined"), heading=heading)
    joined.table(_("By year joined"), [_("Year"), count, share], _shares(stats.by_join_year))

    if stats.sensitive is not None:
        sheet = _Sheet(wb, _("Sensitive (aggregates)"), heading=heading)
        sheet.row([_("Counts under 5 are shown as <5; x hides a count that would reveal one.")])
        sheet.ws.append([])
        for row in stats.sensitive:
            sheet.table(
                str(row.label),
                [_("Value"), count],
                [[cell.label, cell.text if cell.hidden else cell.count] for cell in row.cells]
                + [[_("Total"), row.total]],
            )
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse
    wb.save(handle)
    handle.seek(0)
    return handle
