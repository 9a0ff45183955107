"""Builders of test files for the document archive, made in the test run (nothing checked in).

Every builder returns bytes. The texts are a Vietnamese resolution's first page; the scanned
ones are rendered with a font that carries Vietnamese (DejaVu or Noto, installed by
scripts/system-deps.sh, group base) and wrapped as PDF the way a scanner would.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ISSUER = "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THÁI NGUYÊN"
NUMBER = "Số: 12-NQ/HPN"
DATE_LINE = "Thái Nguyên, ngày 05 tháng 3 năm 2026"
TITLE = "NGHỊ QUYẾT"
SUBJECT = "về chuyển đổi số trong hoạt động của Hội"
BODY = [
    "Ban Chấp hành Hội Liên hiệp Phụ nữ tỉnh quyết nghị",
    "đẩy mạnh chuyển đổi số, số hóa hồ sơ hội viên",
    "và lưu trữ văn bản điện tử trong toàn tỉnh.",
]
RESOLUTION_LINES = [ISSUER, NUMBER, DATE_LINE, "", TITLE, SUBJECT, "", *BODY]
# Words an OCR of the page must find (compared folded: a slipped diacritic does not fail it).
OCR_WORDS = ["hoi", "lien", "hiep", "phu", "nu", "thai", "nguyen", "nghi", "quyet", "chuyen"]

# The same words as a legacy TCVN3 (ABC) font shows them when its text layer is read as
# Unicode (e.g. "Nghị quyết" → "NghÞ quyÕt"), and as VNI-Times leaves them (tone marks as
# ASCII letters and digits after the vowel).
TCVN3_TEXT = (
    "Héi liªn hiÖp phô n÷ tØnh Th¸i Nguyªn\nSè: 12-NQ/HPN\n"
    "Th¸i Nguyªn, ngµy 05 th¸ng 3 n¨m 2026\nNghÞ quyÕt vÒ chuyÓn ®æi sè trong ho¹t ®éng cña Héi"
)
VNI_TEXT = (
    "Hoäi lieân hieäp phuï nöõ tænh Thaùi Nguyeân\nSoá: 12-NQ/HPN\n"
    "Thaùi Nguyeân, ngaøy 05 thaùng 3 naêm 2026\nNghò quyeát veà chuyeån ñoåi soá"
)
VNI_ASCII_TEXT = (
    "Ho65i lie6n hie65p phu5 nu74 ti3nh Tha1i Nguye6n\nSo61: 12-NQ/HPN\n"
    "Tha1i Nguye6n, nga2y 05 tha1ng 3 na8m 2026\nNghi5 quye61t ve62 chuye63n d9o63i so61"
)
CID_TEXT = " ".join(f"(cid:{n})" for n in (36, 72, 85, 3, 47, 76, 72, 81, 3, 43, 76, 72, 83) * 6)

_FIXED_TIME = dt.datetime(2026, 3, 5, 8, 0, 0)
_TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?")

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
]


@cache
def vietnamese_font_path() -> str:
    """A TrueType font with Vietnamese glyphs (fontconfig first, then the usual paths)."""
    import subprocess

    try:
        out = subprocess.run(
            ["fc-list", ":lang=vi", "file"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        out = ""
    found = sorted(line.split(":")[0].strip() for line in out.splitlines() if ".ttf" in line)
    for preferred in FONT_CANDIDATES:
        if preferred in found or Path(preferred).is_file():
            return preferred
    if found:
        return found[0]
    raise RuntimeError("No font with Vietnamese glyphs: run scripts/system-deps.sh (group base).")


def page_image(lines: list[str] | None = None, *, dpi: int = 200) -> Image.Image:
    """A white A4 page (grey scale) with the lines set in 12-point type, as a scanner sees it."""
    lines = RESOLUTION_LINES if lines is None else lines
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = round(13 * dpi / 72)
    font = ImageFont.truetype(vietnamese_font_path(), size)
    y = round(0.8 * dpi)
    for line in lines:
        if line:
            draw.text((round(0.9 * dpi), y), line, fill=0, font=font)
        y += round(size * 1.6)
    return image


def image_bytes(fmt: str = "PNG", *, dpi: int = 200, lines: list[str] | None = None) -> bytes:
    """The page as PNG, JPEG or TIFF bytes, with its resolution recorded."""
    buffer = io.BytesIO()
    page_image(lines, dpi=dpi).save(buffer, format=fmt, dpi=(dpi, dpi))
    return buffer.getvalue()


def scanned_pdf(*, dpi: int = 200, pages: int = 1, lines: list[str] | None = None) -> bytes:
    """A PDF of page images only (no text layer), as a scanner makes it (img2pdf, lossless)."""
    import img2pdf

    images = [image_bytes("PNG", dpi=dpi, lines=lines) for _ in range(pages)]
    return bytes(img2pdf.convert(images))


def _html(lines: list[str]) -> str:
    from html import escape

    body = "".join(f"<p>{escape(line) or '&nbsp;'}</p>" for line in lines)
    return (
        "<html><head><meta charset='utf-8'><style>@page { size: A4 } "
        "body { font-family: 'DejaVu Serif', 'Noto Serif', serif; font-size: 13pt }"
        "</style></head><body>" + body + "</body></html>"
    )


def text_pdf(lines: list[str] | None = None) -> bytes:
    """A born-digital PDF with a good Unicode text layer (WeasyPrint)."""
    from weasyprint import HTML

    return bytes(HTML(string=_html(RESOLUTION_LINES if lines is None else lines)).write_pdf())


def garbage_text_pdf(text: str = TCVN3_TEXT, *, dpi: int = 200) -> bytes:
    """A PDF that looks right on screen (the page image) but whose text layer is ``text``.

    This is what a document typed in a legacy TCVN3/VNI font gives: the glyphs show Vietnamese,
    the extracted text is mojibake. Built as a scanned page with an invisible text layer.
    """
    from fpdf import FPDF

    image = page_image(dpi=dpi)
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("vn", fname=vietnamese_font_path())
    pdf.add_page()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    buffer.seek(0)
    pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.set_font("vn", size=11)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(40, 40)
    pdf.multi_cell(w=pdf.w - 80, text=text)
    return bytes(pdf.output())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 5 March 2026: equal content gives equal bytes
    (office files record the time they were written, which made two builds differ)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 3, 5, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename in ("docProps/core.xml", "meta.xml"):
                content = _TIMESTAMP.sub(b"2026-03-05T08:00:00Z", content)
            target.writestr(fixed, content)
    return buffer.getvalue()


def docx_bytes(lines: list[str] | None = None) -> bytes:
    """A Word document (python-docx) with the lines as paragraphs and one table."""
    from docx import Document as DocxDocument

    doc = DocxDocument()
    for line in RESOLUTION_LINES if lines is None else lines:
        doc.add_paragraph(line)
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Nơi nhận"
    table.rows[0].cells[1].text = "Ban Thường vụ"
    doc.core_properties.created = doc.core_properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def xlsx_bytes() -> bytes:
    """A workbook (openpyxl): a plan's table of activities with Vietnamese text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Kế hoạch"
    ws.append(["STT", "Nội dung", "Đơn vị thực hiện"])
    ws.append([1, "Số hóa hồ sơ hội viên", "Hội LHPN xã Đại Từ"])
    ws.append([2, "Tập huấn chuyển đổi số", "Hội LHPN phường Phổ Yên"])
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue())


def odt_bytes(lines: list[str] | None = None) -> bytes:
    """An OpenDocument text (odfpy) with the lines as paragraphs.

    Not byte-stable between calls in one process (odfpy declares the namespaces it has met so
    far): keep the bytes when a test needs the same file twice.
    """
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    for line in RESOLUTION_LINES if lines is None else lines:
        doc.text.addElement(P(text=line))
    buffer = io.BytesIO()
    doc.write(buffer)
    return _fixed_zip(buffer.getvalue())


def zip_bytes() -> bytes:
    """A zip that is not an office document (must be refused as an unknown type)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "không phải văn bản")
    return buffer.getvalue()
