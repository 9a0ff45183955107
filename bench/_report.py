"""What the bench scripts share: percentiles, the result table and its printing.

Not a benchmark itself (``make bench`` runs it and it does nothing).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass
class Stat:
    samples: list[float]  # milliseconds

    def q(self, fraction: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.samples)
        index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.q(0.95)


@dataclass
class Row:
    figure: str
    value: str
    baseline: str
    ratio: str
    target: str
    verdict: str


ROWS: list[Row] = []
NOTES: list[str] = []


def ms(x: float) -> str:
    return f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"


def latency_row(figure: str, got: Stat, base: Stat, target_ms: float | None) -> None:
    verdict = "-" if target_ms is None else ("PASS" if got.p95 <= target_ms else "FAIL")
    ROWS.append(
        Row(
            figure,
            f"p50 {ms(got.p50)} / p95 {ms(got.p95)}",
            f"p50 {ms(base.p50)} / p95 {ms(base.p95)}",
            f"×{got.p50 / base.p50:.2f}",
            "-" if target_ms is None else f"p95 ≤ {target_ms:g} ms",
            verdict,
        )
    )


def print_table() -> None:
    head = Row("figure", "measured", "baseline (same run)", "vs base", "target", "result")
    rows = [head, *ROWS]
    widths = [max(len(getattr(r, f)) for r in rows) for f in Row.__dataclass_fields__]

    def line(r: Row) -> str:
        fields = zip(Row.__dataclass_fields__, widths, strict=True)
        return "| " + " | ".join(getattr(r, f).ljust(w) for f, w in fields) + " |"

    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in ROWS:
        print(line(r))


def say(text: str) -> None:
    print(text, flush=True)
