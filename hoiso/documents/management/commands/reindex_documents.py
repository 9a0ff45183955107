"""Rebuild the documents' full-text index in batches (memory stays flat)."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hoiso.documents.search_index import rebuild


class Command(BaseCommand):
    help = "Rewrites every document's search index entry, BATCH documents per transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="documents per transaction")
        parser.add_argument("--quiet", action="store_true", help="print the total only")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch < 1:
            raise CommandError("--batch phải là số nguyên dương", returncode=2)
        started = time.perf_counter()
        next_report = [10_000]

        def progress(done: int) -> None:
            if not options["quiet"] and done >= next_report[0]:
                self.stdout.write(f"{done} văn bản…")
                next_report[0] += 10_000

        total = rebuild(batch=batch, progress=progress)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Đã lập lại chỉ mục tìm kiếm của {total} văn bản trong {seconds:.1f} giây "
            f"(bộ nhớ cao nhất {peak_mib:.0f} MiB)."
        )
