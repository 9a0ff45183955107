"""A meeting document's pages as images: which bytes to render, the rendering (pypdfium2 for
PDFs, Pillow for scans), the viewer's watermark and the on-disk cache of unprotected pages.

What is rendered:

- an uploaded file: itself when it is a PDF or an image (PNG, JPEG, TIFF: one page per frame);
- an archive document: its current version's PDF/A (``DocumentVersion.archive``) when the
  archive made one (scans and unreadable PDFs go through OCR), else the original when it is a
  PDF or an image;
- anything else (Word, Excel, OpenDocument without a PDF rendition, a missing file): no preview,
  a placeholder page that says so.

Protected documents (a secret meeting's, or an archive document marked secret) are rendered
for each request and carry the viewer's watermark; nothing of them is written to the cache.
Unprotected pages are cached under ``MEETINGS_PAGE_CACHE_DIR`` (default
``MEDIA_ROOT/cache/meeting-pages``), keyed by the rendered file's sha256, the page and the
width, so every viewer shares them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from hoiso.meetings.selectors_docs import DocumentAccess, record_view

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from hoiso.meetings.models import ItemDocument

# Widths a client may ask for (phone, default, projector); anything else gets the default.
WIDTHS = (480, 1000, 1600)
DEFAULT_WIDTH = 1000
# A page is never drawn taller than this many times its width (a runaway page size).
MAX_HEIGHT_RATIO = 4
PLACEHOLDER_RATIO = 1.414  # A4

LANCZOS = Image.Resampling.LANCZOS

# PDFium is not thread-safe: one rendering at a time per process.
_pdfium_lock = threading.Lock()

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
)


class PageNotFound(LookupError):
    """The document has no such page."""


@dataclass(frozen=True)
class Source:
    """The bytes a meeting document's pages are drawn from.

    ``kind``: "pdf", "image" or "none" (no preview). ``sha256`` is the hash of the rendered
    bytes (empty for "none"); ``filename`` the name people know the document by.
    """

    kind: str
    field: FieldFile | None
    sha256: str
    filename: str

    @property
    def previewable(self) -> bool:
        return self.kind != "none"


def normal_width(value: Any) -> int:
    try:
        width = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WIDTH
    return width if width in WIDTHS else DEFAULT_WIDTH


# --- which bytes ------------------------------------------------------------------------------


def _file_facts(field: FieldFile, filename: str) -> tuple[str, str]:
    """(kind, sha256) of a stored file, cached by its storage name and size (stored files are
    never rewritten in place; a re-made archive copy changes size)."""
    from hoiso.documents.pipeline.sniff import UnsupportedFile, sniff

    try:
        size = field.size
    except OSError:
        return "none", ""
    key = "meetings:file:" + hashlib.sha256(f"{field.name}|{size}".encode()).hexdigest()
    facts = cache.get(key)
    if facts is None:
        digest = hashlib.sha256()
        try:
            with field.open("rb") as stream:
                try:
                    kind = sniff(stream, filename).kind
                except UnsupportedFile:
                    kind = "none"
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            return "none", ""
        if kind not in ("pdf", "image"):
            kind = "none"
        facts = (kind, digest.hexdigest())
        cache.set(key, facts, 24 * 3600)
    return facts[0], facts[1]


def source_for(doc: ItemDocument) -> Source:
    """What to render for this meeting document (see the module's docstring)."""
    if doc.file:
        name = Path(doc.file.name or "").name
        kind, sha = _file_facts(doc.file, name)
        return Source(kind, doc.file if kind != "none" else None, sha, name)
    document = doc.document
    version = None
    if document is not None:
        version = document.current_version or document.versions.order_by("-number").first()
    if version is None:
        return Source("none", None, "", doc.title)
    if version.archive:
        kind, sha = _file_facts(version.archive, "archive.pdf")
        if kind == "pdf":
            return Source("pdf", version.archive, sha, version.filename)
    kind, sha = _file_facts(version.file, version.filename)
    return Source(kind, version.file if kind != "none" else None, sha, version.filename)


def original_for(doc: ItemDocument) -> tuple[FieldFile, str] | None:
    """The file a download gives (the upload, or the archive document's current original)."""
    if doc.file:
        return doc.file, Path(doc.file.name or "").name
    document = doc.document
    if document is None:
        return None
    version = document.current_version or document.versions.order_by("-number").first()
    if version is None or not version.file:
        return None
    return version.file, version.filename


# --- pages ------------------------------------------------------------------------------------


def _local_path(field: FieldFile) -> str | None:
    try:
        return str(field.path)
    except NotImplementedError:
        return None


def _open_pdf(field: FieldFile) -> Any:
    import pypdfium2 as pdfium

    path = _local_path(field)
    if path is not None:
        return pdfium.PdfDocument(path)
    with field.open("rb") as stream:
        return pdfium.PdfDocument(stream.read())


def page_count(source: Source) -> int:
    """Pages of the document (0: no preview). Cached by the file's hash."""
    if not source.previewable or source.field is None:
        return 0
    key = f"meetings:pages:{source.sha256}"
    count = cache.get(key)
    if count is not None:
        return int(count)
    import pypdfium2 as pdfium

    try:
        if source.kind == "pdf":
            with _pdfium_lock:
                pdf = _open_pdf(source.field)
                try:
                    count = len(pdf)
                finally:
                    pdf.close()
        else:
            with source.field.open("rb") as stream, Image.open(stream) as image:
                count = int(getattr(image, "n_frames", 1))
    except (pdfium.PdfiumError, OSError, Image.DecompressionBombError):
        count = 0
    cache.set(key, count, 24 * 3600)
    return count


def _render_pdf_page(field: FieldFile, page: int, width: int) -> Image.Image:
    with _pdfium_lock:
        pdf = _open_pdf(field)
        try:
            if not 1 <= page <= len(pdf):
                raise PageNotFound(page)
            pdf_page = pdf[page - 1]
            try:
                page_width, page_height = pdf_page.get_size()
                scale = width / max(page_width, 1.0)
                if page_height * scale > width * MAX_HEIGHT_RATIO:
                    scale = width * MAX_HEIGHT_RATIO / max(page_height, 1.0)
                bitmap = pdf_page.render(scale=scale, fill_color=(255, 255, 255, 255))
                image = bitmap.to_pil().convert("RGB")
            finally:
                pdf_page.close()
        finally:
            pdf.close()
    return image


def _render_image_page(field: FieldFile, page: int, width: int) -> Image.Image:
    with field.open("rb") as stream, Image.open(stream) as image:
        frames = int(getattr(image, "n_frames", 1))
        if not 1 <= page <= frames:
            raise PageNotFound(page)
        image.seek(page - 1)
        out = image.convert("RGB")
    if out.width > width:  # scans are shrunk to the asked width, never enlarged
        out = out.resize((width, max(1, round(out.height * width / out.width))), LANCZOS)
    if out.height > out.width * MAX_HEIGHT_RATIO:
        height = out.width * MAX_HEIGHT_RATIO
        out = out.resize((max(1, round(out.width * height / out.height)), height), LANCZOS)
    return out


def placeholder(filename: str, width: int = DEFAULT_WIDTH) -> Image.Image:
    """A page saying that this file has no preview (an office file without a PDF rendition)."""
    height = int(width * PLACEHOLDER_RATIO)
    image = Image.new("RGB", (width, height), (247, 247, 247))
    draw = ImageDraw.Draw(image)
    big, small = font(max(18, width // 28)), font(max(14, width // 42))
    lines = [
        (_("No preview for this file"), big),
        (filename, small),
        (_("Ask the organisers for a PDF copy of it."), small),
    ]
    y = height // 3
    for text, face in lines:
        text = fit(text, face)
        box = draw.textbbox((0, 0), text, font=face)
        draw.text(((width - int(box[2] - box[0])) // 2, y), text, font=face, fill=(90, 90, 90))
        y += int(box[3] - box[1]) + width // 30
    return image


def render(source: Source, page: int, width: int = DEFAULT_WIDTH) -> Image.Image:
    """Page ``page`` (from 1) drawn ``width`` pixels wide. A document without preview has one
    placeholder page. Raises PageNotFound for a page it does not have."""
    width = normal_width(width)
    if not source.previewable or source.field is None:
        if page != 1:
            raise PageNotFound(page)
        return placeholder(source.filename, width)
    import pypdfium2 as pdfium

    try:
        if source.kind == "pdf":
            return _render_pdf_page(source.field, page, width)
        return _render_image_page(source.field, page, width)
    except PageNotFound:
        raise
    except (pdfium.PdfiumError, OSError, Image.DecompressionBombError):
        # a damaged file: say so on the page rather than fail the room
        if page != 1:
            raise PageNotFound(page) from None
        return placeholder(source.filename, width)


def to_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


# --- the cache of unprotected pages -----------------------------------------------------------


def cache_dir() -> Path:
    configured = getattr(settings, "MEETINGS_PAGE_CACHE_DIR", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "cache" / "meeting-pages"


def cache_path(source: Source, page: int, width: int) -> Path:
    sha = source.sha256
    return cache_dir() / sha[:2] / sha / f"{page}-{width}.png"


def cached_page_png(source: Source, page: int, width: int = DEFAULT_WIDTH) -> bytes:
    """An unprotected page's PNG from the disk cache, rendered and stored on a miss (written to
    a temporary file and renamed, so a concurrent reader never sees half a file)."""
    width = normal_width(width)
    if not source.sha256:
        return to_png(render(source, page, width))
    path = cache_path(source, page, width)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = to_png(render(source, page, width))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return data


# --- the watermark ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _font_file() -> str | None:
    configured = getattr(settings, "MEETINGS_WATERMARK_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def has_vietnamese_font() -> bool:
    return _font_file() is not None


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def fit(text: str, face: Any) -> str:
    """The text as the font can draw it: without a font carrying Vietnamese glyphs (none found
    on the machine), marks are dropped (Nguyễn → Nguyen) rather than drawn as boxes."""
    if has_vietnamese_font():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def watermark_lines(user: Any, now: dt.datetime | None = None) -> list[str]:
    """What is written over a protected page: the viewer's full name, username and the time."""
    now = timezone.localtime(now or timezone.now())
    name = (user.get_full_name() or "").strip() or user.get_username()
    return [name, f"{user.get_username()} · {now:%d/%m/%Y %H:%M}"]


def watermark(image: Image.Image, lines: list[str]) -> Image.Image:
    """``lines`` drawn diagonally (30°), semi-transparent, tiled over the whole page, so that
    any crop or photo of the screen still names its viewer."""
    base = image.convert("RGBA")
    width, height = base.size
    size = max(14, width // 34)
    face = font(size)
    text = "\n".join(fit(line, face) for line in lines)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    box = probe.multiline_textbbox((0, 0), text, font=face, spacing=size // 3, align="center")
    pad = size
    size_x, size_y = int(box[2] - box[0]) + 2 * pad, int(box[3] - box[1]) + 2 * pad
    stamp = Image.new("RGBA", (size_x, size_y), (0, 0, 0, 0))
    ImageDraw.Draw(stamp).multiline_text(
        (pad - box[0], pad - box[1]),
        text,
        font=face,
        fill=(200, 30, 30, 90),
        spacing=size // 3,
        align="center",
    )
    stamp = stamp.rotate(30, expand=True, resample=Image.Resampling.BICUBIC)
    # tiles on a canvas one stamp wider on each side, cut back to the page: no edge is bare
    margin_x, margin_y = stamp.width, stamp.height
    canvas = Image.new("RGBA", (width + 2 * margin_x, height + 2 * margin_y), (0, 0, 0, 0))
    step_x = stamp.width
    step_y = max(1, int(stamp.height * 0.75))
    for row in range(math.ceil(canvas.height / step_y)):
        shift = (step_x // 2) if row % 2 else 0
        for col in range(math.ceil(canvas.width / step_x) + 1):
            x, y = col * step_x - shift, row * step_y
            if 0 <= x <= canvas.width - stamp.width and y <= canvas.height - stamp.height:
                canvas.alpha_composite(stamp, (x, y))
    overlay = canvas.crop((margin_x, margin_y, margin_x + width, margin_y + height))
    return Image.alpha_composite(base, overlay).convert("RGB")


def protected_page_png(source: Source, page: int, width: int, lines: list[str]) -> bytes:
    """A protected page: rendered now, watermarked with ``lines``, never cached."""
    return to_png(watermark(render(source, page, width), lines))


# --- HTTP ----------------------------------------------------------------------------------

# unprotected page images: the browser keeps them for a day (the file behind an id never changes)
PAGE_MAX_AGE = 24 * 3600


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def page_response(user: Any, access: DocumentAccess, page: int, w: Any) -> HttpResponse:
    """The page image for the UI and the API alike: unprotected pages from the cache, kept a
    day by the browser; protected pages watermarked for ``user``, ``no-store``, audited."""
    width = normal_width(w)
    source = source_for(access.doc)
    try:
        if access.protected:
            lines = watermark_lines(user)
            data = protected_page_png(source, page, width, lines)
        else:
            data = cached_page_png(source, page, width)
    except PageNotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="page-{page}.png"'
    if access.protected:
        record_view(user, access, "page", page=page, width=width)
        return no_store(response)
    patch_cache_control(response, private=True, max_age=PAGE_MAX_AGE)
    return response


def document_pages(doc: ItemDocument) -> int:
    """How many pages the viewer (and the live room) shows for this document; 0 when it has no
    preview (its page 1 is then the placeholder image)."""
    return page_count(source_for(doc))
