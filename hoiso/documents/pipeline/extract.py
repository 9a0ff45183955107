"""Step 2: the text a file already carries (a PDF's text layer, an office document's words)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

__all__ = ["Extracted", "ExtractionError", "extract_office", "pdf_page_texts"]


class ExtractionError(ValueError):
    """The file cannot be read (damaged, encrypted …); the message is for people."""


@dataclass
class Extracted:
    """Text taken from a file: the pages' texts (one item for an office document)."""

    pages: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def text(self) -> str:
        return "\n\f".join(page.strip() for page in self.pages).strip()


def pdf_page_texts(path: Path) -> list[str]:
    """Each page's text layer (PDFium), in reading order; empty strings for image-only pages."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message:
            raise ExtractionError(
                _("The PDF is protected by a password; send it without the password.")
            ) from error
        raise ExtractionError(_("The PDF is damaged and cannot be read.")) from error
    try:
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def _docx_text(path: Path) -> str:
    from docx import Document as DocxDocument

    doc = DocxDocument(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_text(path: Path) -> str:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    parts = []
    for name in workbook.sheet_names:
        parts.append(name)
        for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=True):
            cells = [_cell(value) for value in row if value not in ("", None)]
            if cells:
                parts.append("\t".join(cells))
    return "\n".join(parts)


def _odt_text(path: Path) -> str:
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    doc = load(str(path))
    return "\n".join(
        teletype.extractText(element) for kind in (H, P) for element in doc.getElementsByType(kind)
    )


def extract_office(path: Path, kind: str) -> Extracted:
    """The words of a .docx, .xlsx or .odt file, as one page."""
    readers = {"docx": _docx_text, "xlsx": _xlsx_text, "odt": _odt_text}
    try:
        text = readers[kind](path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ExtractionError(
            _("The %(kind)s file is damaged and cannot be read.") % {"kind": kind.upper()}
        ) from error
    return Extracted(pages=[text], source=kind)
