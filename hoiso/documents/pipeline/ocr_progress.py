"""An OCRmyPDF plugin that reports page progress to whoever listens (the pipeline's OCR step).

OCRmyPDF asks its plugins for a progress-bar class (``get_progressbar_class``) and drives it
from the process that called ``ocrmypdf.ocr``: ``update(0.5)`` twice per page during the
"OCR" phase. The listener is process-wide: a worker runs one document's OCR at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ocrmypdf import hookimpl

Listener = Callable[[str, float, float | None], None]
_lock = threading.Lock()
_listener: Listener | None = None


def set_listener(listener: Listener | None) -> None:
    """Send progress to ``listener(desc, done, total)`` (None: stop sending)."""
    global _listener
    with _lock:
        _listener = listener


class ReportingProgressBar:
    """Counts the work OCRmyPDF reports and passes it on; never writes to the console."""

    def __init__(
        self,
        *,
        total: float | None = None,
        desc: str | None = None,
        unit: str | None = None,
        disable: bool = False,
        **kwargs: Any,
    ) -> None:
        self.total = total
        self.desc = desc or ""
        self.unit = unit
        self.done = 0.0

    def __enter__(self) -> ReportingProgressBar:
        self._send()
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def update(self, n: float = 1, *, completed: float | None = None) -> None:
        self.done = completed if completed is not None else self.done + n
        self._send()

    def _send(self) -> None:
        listener = _listener
        if listener is not None:
            listener(self.desc, self.done, self.total)


@hookimpl
def get_progressbar_class() -> type[ReportingProgressBar]:
    return ReportingProgressBar
