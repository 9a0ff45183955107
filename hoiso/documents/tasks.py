"""Background processing of documents (django-tasks): one task per document, and the sweep.

A document is enqueued after the transaction that created it commits. The task claims it (a
task delivered twice does the work once). A worker that dies mid-way leaves the document in a
running state (extracting, OCR, indexing): ``requeue_stuck`` puts every document that has
stayed in a running state longer than ``DOCUMENTS_STUCK_MINUTES`` (default 30; OCR reports
each page, so a live worker never stays that long without a word) back to ``queued`` and
enqueues it again, and re-enqueues documents queued that long (their task was lost). It runs
from ``manage.py requeue_documents`` (cron, or at the worker's start) and, at most every few
minutes, at the start of every document task.

Both cores: a document's pages are OCR'd in parallel (``DOCUMENTS_OCR_JOBS``, default the CPU
count); several one-page documents waiting use both cores when two workers run
(``manage.py run_worker`` twice).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from hoiso.documents.models import Document, ProcessingState

__all__ = ["enqueue_document", "process_document_task", "requeue_stuck", "stuck_after"]

logger = logging.getLogger(__name__)
RUNNING = (ProcessingState.EXTRACTING, ProcessingState.OCR, ProcessingState.INDEXING)
SWEEP_EVERY_SECONDS = 300
_last_sweep = 0.0


def stuck_after() -> dt.timedelta:
    return dt.timedelta(minutes=float(getattr(settings, "DOCUMENTS_STUCK_MINUTES", 30)))


def enqueue_document(document_id: int) -> None:
    """Queue the processing of one document (call it in ``transaction.on_commit``)."""
    process_document_task.enqueue(document_id)


def requeue_stuck(*, older_than: dt.timedelta | None = None, enqueue: bool = True) -> list[int]:
    """Put documents whose worker died back in the queue; the ids it re-enqueued.

    Running states untouched for ``older_than`` go back to ``queued`` (the claim of the next
    task takes them again); ``queued`` ones untouched that long are enqueued again (a second
    task for a document still waiting is harmless: only one can claim it).
    """
    limit = timezone.now() - (older_than if older_than is not None else stuck_after())
    stuck = list(
        Document.objects.filter(state__in=RUNNING, state_changed_at__lt=limit).values_list(
            "pk", flat=True
        )
    )
    if stuck:
        Document.objects.filter(pk__in=stuck, state__in=RUNNING, state_changed_at__lt=limit).update(
            state=ProcessingState.QUEUED,
            state_detail=_("Queued again: the worker stopped during processing."),
            state_changed_at=timezone.now(),
        )
        logger.warning("requeued %d documents left running by a stopped worker", len(stuck))
    waiting = list(
        Document.objects.filter(state=ProcessingState.QUEUED, state_changed_at__lt=limit)
        .exclude(pk__in=stuck)
        .values_list("pk", flat=True)
    )
    ids = sorted([*stuck, *waiting])
    if enqueue:
        for pk in ids:
            enqueue_document(pk)
    return ids


def _sweep_now_and_then() -> None:
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep < SWEEP_EVERY_SECONDS:
        return
    _last_sweep = now
    try:
        requeue_stuck()
    except Exception:  # the sweep must never stop a document's processing
        logger.exception("document sweep failed")


@task()
def process_document_task(document_id: int) -> str | None:
    """Run the pipeline on one document (sniff, extract or OCR, check, store, suggest, index)."""
    from hoiso.documents.pipeline import process_document

    _sweep_now_and_then()
    with translation.override(settings.LANGUAGE_CODE):
        return process_document(document_id)
