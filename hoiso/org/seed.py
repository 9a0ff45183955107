"""The levels of the tree as of 2026 (after district level was abolished). Data, editable."""

from __future__ import annotations

from typing import Any

LEVELS = [
    ("trung-uong", "Trung ương", 0),
    ("tinh", "Tỉnh", 1),
    ("xa", "Xã/Phường", 2),
    ("chi-hoi", "Chi hội", 3),
    ("to", "Tổ phụ nữ", 4),
]


def seed_levels(**kwargs: Any) -> None:
    """post_migrate (also after a test flush): make sure the seeded levels exist."""
    from hoiso.org.models import Level

    if Level.objects.exists():
        return
    for code, name, rank in LEVELS:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
