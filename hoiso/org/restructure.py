"""What else moves when units merge or split: other apps register a mover here.

A mover is called inside the restructuring transaction with ``unit_map`` (closed unit id →
the unit id that takes over what hung directly on it); it moves and returns what it moved. A
preview runs the same code in a transaction that is rolled back, so it cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Holding:
    """A count of things a mover moves: ``key`` is stored in the event, ``label`` is shown."""

    key: str
    label: str
    count: int


class Mover(Protocol):
    def __call__(
        self, *, unit_map: dict[int, int], actor: Any, effective_date: Any
    ) -> list[Holding]: ...


_movers: list[Callable[..., list[Holding]]] = []


def register_mover(mover: Callable[..., list[Holding]]) -> None:
    if mover not in _movers:
        _movers.append(mover)


def run_movers(*, unit_map: dict[int, int], actor: Any, effective_date: Any) -> list[Holding]:
    holdings: list[Holding] = []
    for mover in _movers:
        holdings.extend(mover(unit_map=unit_map, actor=actor, effective_date=effective_date))
    return [h for h in holdings if h.count]


@dataclass
class Preview:
    """What a restructuring will do, shown to the user before it runs."""

    kind: str
    effective_date: Any
    closed: list[Any] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    renamed: list[tuple[Any, str, str]] = field(default_factory=list)
    moved: list[tuple[Any, Any, Any]] = field(default_factory=list)  # unit, old parent, new parent
    descendants: int = 0
    holdings: list[Holding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
