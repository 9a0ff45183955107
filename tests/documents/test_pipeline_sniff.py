"""File kinds come from the bytes, not from the name."""

from __future__ import annotations

import io

import pytest

from hoiso.documents.pipeline.sniff import UnsupportedFile, sniff
from tests.documents import corpus


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (lambda: corpus.text_pdf(), "pdf", "application/pdf"),
        (lambda: corpus.image_bytes("PNG", dpi=72), "image", "image/png"),
        (lambda: corpus.image_bytes("JPEG", dpi=72), "image", "image/jpeg"),
        (lambda: corpus.image_bytes("TIFF", dpi=72), "image", "image/tiff"),
        (
            lambda: corpus.docx_bytes(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            lambda: corpus.xlsx_bytes(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (lambda: corpus.odt_bytes(), "odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_kinds(data: object, kind: str, mime: str) -> None:
    stream = io.BytesIO(data())  # type: ignore[operator]
    stream.seek(5)
    found = sniff(stream, "whatever.bin")
    assert (found.kind, found.mime) == (kind, mime)
    assert stream.tell() == 5  # the position is restored


@pytest.mark.parametrize(
    "data", [b"plain text, not a document", corpus.zip_bytes(), b"PK\x03\x04broken zip", b""]
)
def test_other_files_are_refused_with_their_name(data: bytes) -> None:
    with pytest.raises(UnsupportedFile, match=r"ghi-chu\.pdf"):
        sniff(io.BytesIO(data), "ghi-chu.pdf")
