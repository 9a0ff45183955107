"""``python manage.py rebuild_member_counts``: recompute the statistics' counts table.

The triggers keep ``MemberCount`` right for every write; this recomputes it from the members and
dues (after a restore, a bulk load done with the triggers paused, or to check): one transaction.
``--check`` only compares the table with a direct computation and exits 1 if they differ.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hoiso.members.stats import counts


class Command(BaseCommand):
    help = "Recompute the member counts per unit subtree used by the statistics page."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check", action="store_true", help="compare only; exit 1 when they differ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["check"]:
            stored, direct = counts.stored_counts(), counts.direct_counts()
            wrong = {k for k in set(stored) | set(direct) if stored.get(k) != direct.get(k)}
            if wrong:
                raise CommandError(f"{len(wrong)} counts differ from the members and dues")
            self.stdout.write(f"{len(stored)} counts agree with the members and dues")
            return
        rows = counts.rebuild()
        took = time.perf_counter() - started
        self.stdout.write(f"member counts rebuilt: {rows} rows in {took:.1f} s")
