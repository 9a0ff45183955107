"""The pipeline's steps: sniff → extract (or OCR) → check the text → store → suggest → index.

Each step is a small function of the ``Context`` that the previous steps filled in; each one
that takes time says so in the document's state first, so people see where it is.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from hoiso.documents.models import Document, DocumentVersion, ProcessingState
from hoiso.documents.pipeline.extract import (
    Extracted,
    ExtractionError,
    extract_office,
    pdf_page_texts,
)
from hoiso.documents.pipeline.ocr import OcrError, run_ocr
from hoiso.documents.pipeline.quality import TextQuality, assess_text
from hoiso.documents.pipeline.sniff import FileKind, UnsupportedFile, sniff

__all__ = ["STEPS", "Context", "PipelineError", "Step"]

logger = logging.getLogger(__name__)
# The first page's text is what the metadata suggestions read (at most this much of it).
FIRST_PAGE_CHARS = 4000


class PipelineError(RuntimeError):
    """A step cannot go on; the message is for people (shown as the document's error)."""


@dataclass
class Context:
    """What the steps know about one document's processing, filled in step by step."""

    document: Document
    version: DocumentVersion
    workdir: Path
    source: Path | None = None
    kind: FileKind | None = None
    extracted: Extracted = field(default_factory=Extracted)
    quality: TextQuality | None = None
    needs_ocr: bool = False
    force_ocr: bool = False
    archive: Path | None = None
    page_count: int | None = None
    ocr_jobs: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.extracted.text

    @property
    def first_page(self) -> str:
        pages = self.extracted.pages
        return (pages[0] if pages else "")[:FIRST_PAGE_CHARS]


Step = Callable[[Context], None]


def set_state(ctx: Context, state: str, detail: str = "", **kwargs: Any) -> None:
    from hoiso.documents.services.ingest import document_set_state

    document_set_state(ctx.document, state, detail=detail, **kwargs)


def local_copy(ctx: Context) -> None:
    """The stored file as a local path (storages without one are copied to the work folder)."""
    stored = ctx.version.file
    try:
        ctx.source = Path(stored.path)
    except NotImplementedError:
        ctx.source = ctx.workdir / ("source" + Path(ctx.version.filename).suffix.lower())
        with stored.open("rb") as src, ctx.source.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    if not ctx.source.is_file():
        raise PipelineError(_("The stored file is missing; upload it again."))


def sniff_step(ctx: Context) -> None:
    assert ctx.source is not None
    with ctx.source.open("rb") as stream:
        try:
            ctx.kind = sniff(stream, ctx.version.filename)
        except UnsupportedFile as error:
            raise PipelineError(str(error)) from error


def extract_step(ctx: Context) -> None:
    """Text the file carries: office documents are done here; PDFs get their text layer read."""
    assert ctx.source is not None and ctx.kind is not None
    set_state(ctx, ProcessingState.EXTRACTING, _("Extracting text"))
    try:
        if ctx.kind.kind == "pdf":
            pages = pdf_page_texts(ctx.source)
            ctx.extracted = Extracted(pages=pages, source="text")
            ctx.page_count = len(pages)
        elif ctx.kind.kind == "image":
            ctx.needs_ocr = True
        else:
            ctx.extracted = extract_office(ctx.source, ctx.kind.kind)
    except ExtractionError as error:
        raise PipelineError(str(error)) from error


def quality_step(ctx: Context) -> None:
    """A PDF's text layer is trusted only when it reads as text; else OCR replaces it."""
    assert ctx.kind is not None
    if ctx.kind.kind != "pdf":
        return
    ctx.quality = assess_text(ctx.text)
    if ctx.quality.usable:
        # Pages without text among good ones (a scanned annex): OCR those pages only.
        ctx.needs_ocr = any(not page.strip() for page in ctx.extracted.pages)
    else:
        ctx.needs_ocr = True
        # An empty layer needs no forcing; a garbage one must be thrown away.
        ctx.force_ocr = ctx.quality.reason != "empty"
        if ctx.force_ocr:
            logger.info(
                "document %s: text layer rejected (%s), OCR instead",
                ctx.document.pk,
                ctx.quality.reason,
            )
            ctx.notes.append(_("The PDF's text layer was unreadable; the text comes from OCR."))


def ocr_step(ctx: Context) -> None:
    """Scans, images and garbage text layers: OCRmyPDF into a PDF/A, then its text."""
    if not ctx.needs_ocr:
        return
    assert ctx.source is not None and ctx.kind is not None
    total = ctx.page_count or 1
    set_state(
        ctx,
        ProcessingState.OCR,
        _("OCR page %(page)d of %(total)d") % {"page": 1, "total": total},
        progress=0,
        total=total,
    )

    def on_page(done: int, total: int) -> None:
        page = min(done + 1, total)
        set_state(
            ctx,
            ProcessingState.OCR,
            _("OCR page %(page)d of %(total)d") % {"page": page, "total": total},
            progress=done,
            total=total,
        )

    output = ctx.workdir / "archive.pdf"
    try:
        result = run_ocr(
            ctx.source,
            output,
            kind=ctx.kind.kind,
            force=ctx.force_ocr,
            on_page=on_page,
            jobs=ctx.ocr_jobs,
        )
    except OcrError as error:
        raise PipelineError(str(error)) from error
    ctx.archive = result.archive
    ctx.page_count = result.page_count
    try:
        pages = pdf_page_texts(result.archive)
    except ExtractionError as error:
        raise PipelineError(str(error)) from error
    ctx.extracted = Extracted(pages=pages, source="ocr")
    if not ctx.text.strip():
        ctx.notes.append(_("No text was found on the pages."))


def store_step(ctx: Context) -> None:
    """The text (and the archival PDF, when OCR made one) on the version; pages on the document."""
    version = ctx.version
    with transaction.atomic():
        if ctx.archive is not None:
            if version.archive:
                version.archive.delete(save=False)
            with ctx.archive.open("rb") as handle:
                version.archive.save("archive.pdf", File(handle), save=False)
        version.text = ctx.text
        version.text_source = ctx.extracted.source or (ctx.kind.kind if ctx.kind else "")
        version.page_count = ctx.page_count
        version.save(update_fields=["text", "text_source", "page_count", "archive"])
        if ctx.page_count and not ctx.document.pages:
            Document.objects.filter(pk=ctx.document.pk).update(pages=ctx.page_count)
            ctx.document.pages = ctx.page_count


_warned: set[str] = set()


def _warn_once(what: str) -> None:
    if what not in _warned:
        _warned.add(what)
        logger.warning("%s is not there yet: the pipeline skips that step", what)


def suggest_step(ctx: Context) -> None:
    """Metadata read from the first page, kept as suggestions for the cadre to confirm.

    ``services.metadata.document_apply_suggestions`` does it (confirmed values are kept).
    """
    try:
        from hoiso.documents.services.metadata import document_apply_suggestions
    except ImportError:
        _warn_once("hoiso.documents.services.metadata.document_apply_suggestions")
        return
    text = ctx.first_page or ctx.text[:FIRST_PAGE_CHARS]
    if text.strip():
        document_apply_suggestions(ctx.document, text)


def index_step(ctx: Context) -> None:
    set_state(ctx, ProcessingState.INDEXING, _("Indexing"))
    try:
        from hoiso.documents.search_index import index_document
    except ImportError:
        _warn_once("hoiso.documents.search_index")
        return
    ctx.document.refresh_from_db()
    index_document(ctx.document)


STEPS: list[Step] = [
    local_copy,
    sniff_step,
    extract_step,
    quality_step,
    ocr_step,
    store_step,
    suggest_step,
    index_step,
]
