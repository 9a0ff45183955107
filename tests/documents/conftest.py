"""Fixtures for the document archive's tests (reusable by every tests/documents module).

* every test here stores files under its own temporary MEDIA_ROOT;
* ``dummy_tasks``: tasks are recorded, not run (``default_task_backend.results``);
* ``immediate_tasks``: tasks run at once when enqueued (after commit);
* ``ingest_bytes(actor, unit, data, filename, **kwargs)``: ``document_ingest`` on bytes;
* ``process(document)``: run the whole pipeline on a queued document, in the foreground.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from hoiso.documents.models import Document
from hoiso.documents.services.ingest import IngestResult, document_ingest

IngestBytes = Callable[..., IngestResult]


@pytest.fixture(autouse=True)
def _documents_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def dummy_tasks(settings: Any) -> Any:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()  # type: ignore[attr-defined]
    return default_task_backend


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def ingest_bytes(dummy_tasks: Any) -> IngestBytes:
    def ingest(actor: Any, unit: Any, data: bytes, filename: str, **kwargs: Any) -> IngestResult:
        return document_ingest(
            actor=actor,
            unit=unit,
            file=ContentFile(data, name=filename),
            filename=filename,
            **kwargs,
        )

    return ingest


@pytest.fixture
def process() -> Callable[[Document], Document]:
    def run(document: Document) -> Document:
        from hoiso.documents.pipeline import process_document

        process_document(document.pk, ocr_jobs=1)
        document.refresh_from_db()
        return document

    return run
