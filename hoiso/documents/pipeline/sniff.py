"""Step 1: what kind of file this is, from its bytes (never from the name a user gave it)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

__all__ = ["FileKind", "UnsupportedFile", "sniff"]


@dataclass(frozen=True)
class FileKind:
    """The kind of a file: ``pdf``, ``image``, ``docx``, ``xlsx`` or ``odt``, and its MIME type."""

    kind: str
    mime: str

    @property
    def extension(self) -> str:
        return _EXTENSIONS.get(self.mime, "")


class UnsupportedFile(ValueError):
    """The bytes are none of the kinds the archive takes (the message is for people)."""


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
}
PDF = FileKind("pdf", "application/pdf")
PNG = FileKind("image", "image/png")
JPEG = FileKind("image", "image/jpeg")
TIFF = FileKind("image", "image/tiff")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text")


def _zip_kind(stream: IO[bytes]) -> FileKind | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return ODT if mimetype == ODT.mime else None
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def sniff(stream: IO[bytes], filename: str = "") -> FileKind:
    """The kind of the file in ``stream`` (read from its start; the position is restored).

    Raises ``UnsupportedFile`` naming the file when it is not a PDF, PNG, JPEG, TIFF, DOCX,
    XLSX or ODT.
    """
    position = stream.tell()
    try:
        stream.seek(0)
        head = stream.read(1024)
        kind: FileKind | None = None
        # A PDF may carry junk before its header (some scanners do); readers accept 1 KiB of it.
        if b"%PDF-" in head:
            kind = PDF
        elif head.startswith(b"\x89PNG\r\n\x1a\n"):
            kind = PNG
        elif head.startswith(b"\xff\xd8\xff"):
            kind = JPEG
        elif head[:4] in (b"II*\x00", b"MM\x00*"):
            kind = TIFF
        elif head.startswith(b"PK\x03\x04"):
            stream.seek(0)
            kind = _zip_kind(stream)
    finally:
        stream.seek(position)
    if kind is None:
        raise UnsupportedFile(
            _(
                "«%(name)s» is not a file the archive takes: send a PDF, a scan (JPEG, PNG, "
                "TIFF), a Word (.docx), Excel (.xlsx) or OpenDocument (.odt) file."
            )
            % {"name": filename or "?"}
        )
    return kind
