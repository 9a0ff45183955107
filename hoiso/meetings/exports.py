"""The minutes (biên bản) as .docx and .pdf in the usual Vietnamese administrative layout.

Top left the superior body and the host unit (the unit underlined in bold), top right the
national heading (Quốc hiệu "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and the motto "Độc lập - Tự do -
Hạnh phúc"), the place and date line, the title "BIÊN BẢN" with the meeting's title, the body
(``Minutes.body`` as the secretary left it, line by line) and the signatures of the chair and the
secretary. The layout's words are fixed Vietnamese (an administrative document is written in
Vietnamese whatever the reader's interface language).

``minutes_export`` is the one entry point: it checks the rules (the meeting visible to the user,
no download of a secret meeting's minutes, drafts only to those who may manage the meeting) and
writes the audit row.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from hoiso.core.audit import audit
from hoiso.meetings import selectors
from hoiso.meetings.models import Meeting, Minutes, MinutesState, ParticipantRole

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BIÊN BẢN"
FORMATS = ("docx", "pdf")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@dataclass
class MinutesSheet:
    """What both formats print."""

    superior: str
    unit: str
    date_line: str
    title: str
    lines: list[str]
    draft: bool
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (role heading, name)


def _date_line(meeting: Meeting) -> str:
    when = timezone.localtime(meeting.opened_at or meeting.starts_at)
    place = meeting.place or meeting.unit.name
    return f"{place}, ngày {when.day:02d} tháng {when.month:02d} năm {when.year}"


def minutes_sheet(meeting: Meeting, minutes: Minutes) -> MinutesSheet:
    parent = meeting.unit.parent
    people = list(selectors.participants(meeting))

    def names(role: str) -> str:
        return ", ".join(str(p.user) for p in people if p.role == role)

    body = minutes.body.splitlines()
    # the generated body repeats the title as its first two lines: the layout prints them itself
    with translation.override("vi"):
        generated_titles = {TITLE, "MINUTES OF THE MEETING", _("MINUTES OF THE MEETING")}
    if body and body[0].strip() in generated_titles:
        body = body[1:]
        if body and body[0].strip() == meeting.title.strip():
            body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    return MinutesSheet(
        superior=parent.name.upper() if parent else "",
        unit=meeting.unit.name.upper(),
        date_line=_date_line(meeting),
        title=meeting.title,
        lines=body,
        draft=minutes.state != MinutesState.FINAL,
        signatures=[
            ("THƯ KÝ", names(ParticipantRole.SECRETARY)),
            ("CHỦ TỌA", names(ParticipantRole.CHAIR)),
        ],
    )


def minutes_docx(sheet: MinutesSheet) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    def para(
        cell_or_doc: Any,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        underline: bool = False,
        center: bool = True,
        size: float | None = None,
    ) -> Any:
        p = cell_or_doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        p.paragraph_format.space_after = Pt(0)
        return p

    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    left.paragraphs[0].text = ""
    if sheet.superior:
        para(left, sheet.superior, size=12)
    para(left, sheet.unit, bold=True, underline=True, size=12)
    para(right, NATION, bold=True, size=12)
    para(right, MOTTO, bold=True, underline=True)
    doc.add_paragraph()
    date = para(doc, sheet.date_line, italic=True, center=False)
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()
    para(doc, TITLE, bold=True, size=14)
    para(doc, sheet.title, bold=True)
    if sheet.draft:
        para(doc, "(Dự thảo)", italic=True)
    doc.add_paragraph()
    for line in sheet.lines:
        p = doc.add_paragraph(line)
        p.paragraph_format.space_after = Pt(3)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    doc.add_paragraph()
    signs = doc.add_table(rows=1, cols=len(sheet.signatures))
    for cell, (role, name) in zip(signs.rows[0].cells, sheet.signatures, strict=True):
        cell.paragraphs[0].text = ""
        para(cell, role, bold=True)
        para(cell, "(Ký, ghi rõ họ tên)", italic=True, size=11)
        for _blank in range(3):
            para(cell, "")
        para(cell, name, bold=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


_CSS = """
@page { size: A4; margin: 20mm 20mm 20mm 30mm;
  @bottom-center { content: counter(page) "/" counter(pages); font-size: 9pt; } }
body { font-family: "Times New Roman", "Liberation Serif", "Noto Serif", "DejaVu Serif", serif;
  font-size: 13pt; color: #000; margin: 0; line-height: 1.35; }
table.head, table.signs { width: 100%; border-collapse: collapse; }
table.head td, table.signs td { text-align: center; vertical-align: top; padding: 0; }
table.head td.left { width: 40%; padding-right: 3mm; }
.b { font-weight: 700; } .u { text-decoration: underline; } .i { font-style: italic; }
.s12 { font-size: 12pt; } .nation { font-size: 11.5pt; white-space: nowrap; }
.date { text-align: right; font-style: italic; margin: 6mm 0 6mm; }
h1 { text-align: center; font-size: 14pt; margin: 0; }
.title { text-align: center; font-weight: 700; margin: 0 0 6mm; }
.body p { margin: 0 0 1.5mm; text-align: justify; white-space: pre-wrap; }
table.signs { margin-top: 10mm; page-break-inside: avoid; }
.space { height: 24mm; }
"""


def minutes_html(sheet: MinutesSheet) -> str:
    e = escape
    superior = f'<div class="s12">{e(sheet.superior)}</div>' if sheet.superior else ""
    draft = '<p class="title i">(Dự thảo)</p>' if sheet.draft else ""
    body = "".join(f"<p>{e(line) or '&nbsp;'}</p>" for line in sheet.lines)
    signs = "".join(
        f'<td><div class="b">{e(role)}</div><div class="i s12">(Ký, ghi rõ họ tên)</div>'
        f'<div class="space"></div><div class="b">{e(name)}</div></td>'
        for role, name in sheet.signatures
    )
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{e(TITLE)} — {e(sheet.title)}</title><style>{_CSS}</style></head><body>"
        '<table class="head"><tr>'
        f'<td class="left">{superior}<div class="b u s12">{e(sheet.unit)}</div></td>'
        f'<td style="width:60%"><div class="b nation">{e(NATION)}</div>'
        f'<div class="b u">{e(MOTTO)}</div></td>'
        "</tr></table>"
        f'<p class="date">{e(sheet.date_line)}</p>'
        f'<h1>{e(TITLE)}</h1><p class="title">{e(sheet.title)}</p>{draft}'
        f'<div class="body">{body}</div>'
        f'<table class="signs"><tr>{signs}</tr></table>'
        "</body></html>"
    )


def minutes_pdf(sheet: MinutesSheet) -> bytes:
    from weasyprint import HTML  # late: the app runs without Pango until a PDF is asked
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})  # nothing fetched
    return bytes(HTML(string=minutes_html(sheet), url_fetcher=fetcher).write_pdf() or b"")


def minutes_export(user: Any, meeting_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The minutes of a meeting as ``fmt`` ("docx" or "pdf"): (data, content type, file name).

    404 when the meeting is not visible or has no minutes yet; 403 for a secret meeting (no
    download, ever), and for a draft to anyone who may not manage the meeting. Audited.
    """
    if fmt not in FORMATS:
        raise Http404
    meeting = selectors.meeting_get(user, meeting_id)
    if meeting.secret:
        raise PermissionDenied(_("A secret meeting's minutes cannot be downloaded."))
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise Http404
    if minutes.state != MinutesState.FINAL and not selectors.can_manage(user, meeting):
        raise PermissionDenied
    sheet = minutes_sheet(meeting, minutes)
    data = minutes_docx(sheet) if fmt == "docx" else minutes_pdf(sheet)
    audit(
        actor=user,
        action="meetings.minutes.export",
        obj=minutes,
        unit=meeting.unit,
        detail={"format": fmt, "state": minutes.state, "bytes": len(data)},
    )
    return data, CONTENT_TYPES[fmt], f"bien-ban-{meeting.pk}.{fmt}"
