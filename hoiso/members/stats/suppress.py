"""Small-count suppression for sensitive aggregates (Law 91/2025: report only as aggregates).

A line is a set of counts that add up to a total shown beside them (e.g. the members of a unit
by ethnicity). Every count under the threshold is hidden ("<5"). If the hidden counts could
still be worked out from the total and the shown cells (a single hidden cell, or hidden cells
that can only all be threshold−1), the smallest shown cell is hidden too ("x", a complementary
suppression), so that no hidden count can be derived. Hidden cells that can only all be 0 are
left as they are: "nobody here" discloses no person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
SMALL = "small"  # under the threshold
COMPLEMENT = "complement"  # hidden so that a small cell cannot be derived
SHOWN = "shown"


@dataclass(frozen=True)
class Cell:
    label: str
    count: int
    state: str = SHOWN

    @property
    def hidden(self) -> bool:
        return self.state != SHOWN

    @property
    def text(self) -> str:
        if self.state == SMALL:
            return f"<{THRESHOLD}"
        if self.state == COMPLEMENT:
            return "x"
        return f"{self.count:,}".replace(",", ".")


def _derivable(small: Sequence[int], threshold: int) -> bool:
    """Whether the hidden small counts are pinned by their sum (known from the total)."""
    if not small:
        return False
    total, top = sum(small), threshold - 1
    return len(small) == 1 or (total > 0 and total == top * len(small))


def suppress_line(items: Sequence[tuple[str, int]], *, threshold: int = THRESHOLD) -> list[Cell]:
    """Cells for (label, count) pairs of one line, small counts and their complement hidden."""
    states = [SMALL if count < threshold else SHOWN for _label, count in items]
    small = [count for (_label, count), s in zip(items, states, strict=True) if s == SMALL]
    if _derivable(small, threshold):
        shown = [i for i, s in enumerate(states) if s == SHOWN]
        if shown:
            smallest = min(shown, key=lambda i: (items[i][1], i))
            states[smallest] = COMPLEMENT
    return [Cell(label, count, state) for (label, count), state in zip(items, states, strict=True)]
