"""Writing spreadsheets: streamed rows into an .xlsx with a title block, never all in memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def write_xlsx(
    *, title: str, subtitle: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> tempfile._TemporaryFileWrapper[bytes]:
    """An .xlsx in a temporary file: title rows, a bold header with STT, then the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    bold = Font(bold=True)

    def cell(value: Any, font: Font | None = None) -> Any:
        c = WriteOnlyCell(ws, value=value)
        if font is not None:
            c.font = font
        return c

    ws.append([cell(title, Font(bold=True, size=14))])
    ws.append([subtitle])
    ws.append([])
    ws.append([cell("STT", bold)] + [cell(h, bold) for h in headers])
    for index, row in enumerate(rows, start=1):
        ws.append([index, *row])
    out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse
    wb.save(out)
    out.seek(0)
    return out
