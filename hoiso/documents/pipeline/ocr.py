"""Step 2b: OCR with OCRmyPDF and Tesseract into a PDF/A (page images + invisible text layer).

Settings (all optional, read at call time):

* ``DOCUMENTS_OCR_LANGUAGES`` (default ``["vie", "eng"]``);
* ``DOCUMENTS_OCR_JOBS``: pages OCR'd at once for one document (default: the CPU count). Each
  page in flight is one Tesseract process (OMP threads limited to one), so a worker's memory
  grows with this number, not with the document's length;
* ``DOCUMENTS_OCR_TIMEOUT``: seconds Tesseract may spend on one page (default 180);
* ``DOCUMENTS_OCR_OUTPUT``: ``pdfa`` (default) or ``pdf`` (no PDF/A conversion);
* ``DOCUMENTS_OCR_PDFA_BACKEND``: ``internal`` (default: OCRmyPDF's own PDF/A writer, no
  Ghostscript pass; Debian 12's Ghostscript 10.0 is refused by OCRmyPDF for PDFs that keep
  some text) or ``ghostscript``;
* ``DOCUMENTS_OCR_RENDERER``: ``sandwich`` (default: Tesseract writes the text layer itself,
  ~15% less CPU a page than OCRmyPDF's ``fpdf2`` renderer, the same text) or ``auto``;
* ``DOCUMENTS_OCR_OPTIMIZE``: OCRmyPDF's ``optimize`` level (default 0: scans are kept as
  they came; 1 recompresses losslessly for ~5% smaller files and ~10% more CPU);
* ``DOCUMENTS_OCR_ROTATE``: detect and fix page orientation (one more Tesseract pass a page;
  default False).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from hoiso.documents.pipeline import ocr_progress

__all__ = ["OcrError", "OcrResult", "ocr_jobs", "run_ocr"]

logger = logging.getLogger(__name__)
PLUGIN = "hoiso.documents.pipeline.ocr_progress"
# An image without a credible resolution is taken as scanned at this one.
DEFAULT_IMAGE_DPI = 300

PageProgress = Callable[[int, int], None]


class OcrError(RuntimeError):
    """OCR could not be done; the message is for people."""


@dataclass
class OcrResult:
    """The archival PDF written by OCR and its pages' count."""

    archive: Path
    page_count: int


def _ocr_once(
    source: Path,
    output: Path,
    *,
    output_type: str,
    backend: str,
    force: bool,
    jobs: int,
    image_dpi: int | None,
) -> int:
    import ocrmypdf

    return int(
        ocrmypdf.ocr(
            source,
            output,
            language=list(getattr(settings, "DOCUMENTS_OCR_LANGUAGES", ["vie", "eng"])),
            output_type=output_type,
            pdfa_backend=backend,
            mode="force" if force else "skip",
            jobs=jobs,
            tesseract_timeout=float(getattr(settings, "DOCUMENTS_OCR_TIMEOUT", 180)),
            rotate_pages=bool(getattr(settings, "DOCUMENTS_OCR_ROTATE", False)),
            optimize=int(getattr(settings, "DOCUMENTS_OCR_OPTIMIZE", 0)),
            pdf_renderer=getattr(settings, "DOCUMENTS_OCR_RENDERER", "sandwich"),
            progress_bar=False,
            plugins=[PLUGIN],
            image_dpi=image_dpi,
        )
    )


def ocr_jobs() -> int:
    return int(getattr(settings, "DOCUMENTS_OCR_JOBS", 0) or os.cpu_count() or 1)


def _image_dpi(path: Path) -> int | None:
    """DEFAULT_IMAGE_DPI when the image records no usable resolution, else None (use its own)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            dpi = image.info.get("dpi")
    except OSError:
        return None
    if not dpi or min(float(dpi[0]), float(dpi[1])) < 72:
        return DEFAULT_IMAGE_DPI
    return None


def _clean_pdf(source: Path, workdir: Path) -> Path:
    """A copy of the PDF without document actions (open actions, scripts), which an archival
    copy must not have and OCRmyPDF's PDF/A writer refuses; the original is left as it is."""
    import pikepdf

    try:
        with pikepdf.open(source) as pdf:
            root = pdf.Root
            dirty = False
            for key in ("/OpenAction", "/AA"):
                if key in root:
                    del root[key]
                    dirty = True
            names = root.get("/Names")
            if names is not None and "/JavaScript" in names:
                del names["/JavaScript"]
                dirty = True
            if not dirty:
                return source
            cleaned = workdir / "cleaned.pdf"
            pdf.save(cleaned)
            return cleaned
    except pikepdf.PasswordError as error:
        raise OcrError(
            _("The PDF is protected by a password; send it without the password.")
        ) from error
    except pikepdf.PdfError:
        return source  # OCRmyPDF says what is wrong with it


def _attempts(force: bool) -> list[tuple[str, str]]:
    """(output type, PDF/A backend) to try in turn when one cannot make the file."""
    output = str(getattr(settings, "DOCUMENTS_OCR_OUTPUT", "pdfa"))
    backend = str(getattr(settings, "DOCUMENTS_OCR_PDFA_BACKEND", "internal"))
    if output == "pdf":
        return [("pdf", "auto")]
    tries = [(output, backend)]
    if backend == "internal" and force:
        tries.append((output, "ghostscript"))  # Ghostscript's PDF/A (refused in skip mode)
    tries.append(("pdf", "auto"))  # last resort: a plain PDF with the same layers
    return tries


def run_ocr(
    source: Path,
    output: Path,
    *,
    kind: str,
    force: bool = False,
    on_page: PageProgress | None = None,
    jobs: int | None = None,
) -> OcrResult:
    """OCR ``source`` (a PDF or an image) into the PDF/A ``output``.

    ``force`` rasterises every page and discards its text layer (a garbage layer); otherwise
    pages that already carry text are kept as they are and the others are OCR'd. ``on_page(done,
    total)`` is called as pages finish.
    """
    from ocrmypdf import exceptions as ocr_errors

    logging.getLogger("fontTools").setLevel(logging.WARNING)

    def listener(desc: str, done: float, total: float | None) -> None:
        if on_page is not None and desc == "OCR" and total:
            on_page(int(done), int(total))

    image_dpi = _image_dpi(source) if kind == "image" else None
    if kind == "pdf":
        source = _clean_pdf(source, output.parent)
    ocr_progress.set_listener(listener)
    try:
        tries = _attempts(force)
        for number, (output_type, backend) in enumerate(tries, start=1):
            try:
                code = _ocr_once(
                    source,
                    output,
                    output_type=output_type,
                    backend=backend,
                    force=force,
                    jobs=jobs or ocr_jobs(),
                    image_dpi=image_dpi,
                )
                break
            except (ocr_errors.MissingDependencyError, ocr_errors.ExitCodeException) as error:
                retry = number < len(tries) and (
                    "PDF/A" in str(error) or "Ghostscript" in str(error)
                )
                if not retry:
                    raise
                logger.info("OCR: %s/%s failed (%s), trying the next", output_type, backend, error)
    except ocr_errors.EncryptedPdfError as error:
        raise OcrError(
            _("The PDF is protected by a password; send it without the password.")
        ) from error
    except ocr_errors.DpiError as error:
        raise OcrError(_("The image's resolution is too low to read its text.")) from error
    except (ocr_errors.InputFileError, ocr_errors.UnsupportedImageFormatError) as error:
        raise OcrError(
            _("The file cannot be read for OCR: %(error)s") % {"error": error}
        ) from error
    except ocr_errors.MissingDependencyError as error:
        logger.error("OCR is not installed: %s", error)
        raise OcrError(
            _("OCR (Tesseract, Ghostscript) is not installed: tell the administrator.")
        ) from error
    except ocr_errors.ExitCodeException as error:
        raise OcrError(_("OCR failed: %(error)s") % {"error": error}) from error
    finally:
        ocr_progress.set_listener(None)
    if int(code) != 0 or not output.is_file():
        raise OcrError(_("OCR failed (code %(code)s).") % {"code": int(code)})
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(output))
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    return OcrResult(archive=output, page_count=pages)
