"""Put documents whose worker stopped mid-way back in the queue (run from cron or at start)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hoiso.documents.tasks import requeue_stuck, stuck_after


class Command(BaseCommand):
    help = (
        "Re-queue documents left in a running state (extracting, OCR, indexing) or queued "
        "without progress for longer than --minutes (default DOCUMENTS_STUCK_MINUTES, 30)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=float, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["minutes"]
        older = dt.timedelta(minutes=minutes) if minutes is not None else stuck_after()
        ids = requeue_stuck(older_than=older)
        self.stdout.write(f"{len(ids)}")
