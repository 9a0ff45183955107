"""The document pipeline: small steps run in order on one document (see ``steps``).

``process_document(document_id)`` claims a queued document (so a task delivered twice does the
work once), runs the steps and leaves the document ``indexed`` or ``failed`` with the reason.
A crash of the process mid-way leaves it in a running state; ``requeue_stuck`` (in
``hoiso.documents.tasks``) puts such documents back in the queue.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.documents.models import Document, ProcessingState
from hoiso.documents.pipeline import steps
from hoiso.documents.pipeline.steps import Context, PipelineError

__all__ = ["PipelineError", "process_document"]

logger = logging.getLogger(__name__)


def claim(document_id: int) -> bool:
    """Take a queued document for processing; False when it is not queued (done or taken)."""
    return bool(
        Document.objects.filter(pk=document_id, state=ProcessingState.QUEUED).update(
            state=ProcessingState.EXTRACTING,
            state_detail="",
            error="",
            progress=0,
            progress_total=0,
            attempts=F("attempts") + 1,
            state_changed_at=timezone.now(),
        )
    )


def process_document(document_id: int, *, ocr_jobs: int | None = None) -> str | None:
    """Run the pipeline on a queued document; its final state, or None if it was not queued."""
    from hoiso.documents.services.ingest import document_set_state

    if not claim(document_id):
        return None
    document = Document.objects.select_related("current_version", "unit").get(pk=document_id)
    version = document.current_version
    if version is None:
        document_set_state(
            document, ProcessingState.FAILED, error=_("The document has no file to process.")
        )
        return ProcessingState.FAILED
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="hoiso-document-") as workdir:
            ctx = Context(document=document, version=version, workdir=Path(workdir))
            ctx.ocr_jobs = ocr_jobs
            for step in steps.STEPS:
                step(ctx)
    except PipelineError as error:
        document_set_state(document, ProcessingState.FAILED, error=str(error))
        return ProcessingState.FAILED
    except Exception:
        logger.exception("document %s: processing failed", document_id)
        document_set_state(
            document,
            ProcessingState.FAILED,
            error=_(
                "Processing stopped on an unexpected error; try again or tell the administrator."
            ),
        )
        return ProcessingState.FAILED
    logger.info(
        "document %s processed in %.1fs (%s)",
        document_id,
        time.monotonic() - started,
        ctx.extracted.source,
    )
    document_set_state(
        document,
        ProcessingState.INDEXED,
        detail=" ".join(ctx.notes),
        progress=ctx.page_count or 0,
        total=ctx.page_count or 0,
        error="",
    )
    return ProcessingState.INDEXED
