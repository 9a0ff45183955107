"""Seeded document types (Decree 30/2020, appendix III) with their default retention."""

from __future__ import annotations

from typing import Any

# code: (name, retention in years; None = permanent), in the Decree's order
DOCUMENT_TYPES: dict[str, tuple[str, int | None]] = {
    "NQ": ("Nghị quyết", None),
    "QĐ": ("Quyết định", None),
    "CT": ("Chỉ thị", None),
    "QC": ("Quy chế", None),
    "QYĐ": ("Quy định", None),
    "TB": ("Thông báo", 10),
    "HD": ("Hướng dẫn", 20),
    "CTr": ("Chương trình", 20),
    "KH": ("Kế hoạch", 20),
    "PA": ("Phương án", 20),
    "ĐA": ("Đề án", None),
    "BC": ("Báo cáo", 20),
    "BB": ("Biên bản", 20),
    "TTr": ("Tờ trình", 20),
    "CV": ("Công văn", 10),
    "GM": ("Giấy mời", 5),
    "GGT": ("Giấy giới thiệu", 5),
    "PG": ("Phiếu gửi", 5),
    "K": ("Khác", 10),
}


def seed_document_types(**kwargs: Any) -> None:
    """post_migrate: create the seeded types once; admins' edits are kept."""
    from hoiso.documents.models import DocumentType

    if kwargs.get("app_config") is not None and kwargs["app_config"].label != "documents":
        return
    existing = set(DocumentType.objects.values_list("code", flat=True))
    DocumentType.objects.bulk_create(
        [
            DocumentType(code=code, name=name, retention_years=years, sort=i)
            for i, (code, (name, years)) in enumerate(DOCUMENT_TYPES.items())
            if code not in existing
        ]
    )
