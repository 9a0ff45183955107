"""The document viewer's rows of the access matrix (tests/test_permission_matrix.py): the viewer,
page images, download and comments, UI and API.

Each row makes a fresh meeting (tests/meetings/matrix.py: commune A's, chaired by the province
admin; commune B's for the commune-A cadre's 404) with one uploaded two-page PDF on its first
item, and for the resolve routes a comment on it. "nobody" is neither in scope nor invited: 403.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile

from hoiso.meetings import services
from hoiso.meetings.models import ItemDocument
from tests.meetings.matrix import _meeting

Args = Callable[[Any, dict[str, Any]], list[Any]]


def pdf_bytes(pages: int = 2) -> bytes:
    """A real PDF of ``pages`` pages (Pillow draws each page and writes the PDF)."""
    from PIL import Image, ImageDraw

    images = []
    for n in range(pages):
        image = Image.new("RGB", (595, 842), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((60, 60, 535, 140), fill="black")
        draw.text((70, 200 + 30 * n), f"Trang {n + 1}", fill="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def _document(t: Any, u: dict[str, Any], unit_attr: str) -> tuple[Any, ItemDocument]:
    meeting = _meeting(t, u, unit_attr)
    item = meeting.agenda.first()
    doc = services.item_document_add(
        actor=None,
        item=item,
        title="Dự thảo nghị quyết",
        file=ContentFile(pdf_bytes(), name="du-thao.pdf"),
        filename="du-thao.pdf",
    )
    return meeting, doc


def document(unit_attr: str, *extra: Any) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        meeting, doc = _document(t, u, unit_attr)
        return [meeting.pk, doc.pk, *extra]

    return make


def with_comment(unit_attr: str) -> Args:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        meeting, doc = _document(t, u, unit_attr)
        comment = services.comment_add(actor=u["admin"], item_document=doc, text="Sửa điều 2")
        return [meeting.pk, doc.pk, comment.pk]

    return make


def meeting_rows(row: Callable[..., Any]) -> dict[str, Any]:
    a, b = "commune_a", "commune_b"

    def r(args: Args, out: Args, **kw: Any) -> Any:
        return row(args=args, out_of_scope=out, denied="nobody", **kw)

    return {
        "meetings:document_view": r(document(a), document(b)),
        "meetings:document_page": r(document(a, 1), document(b, 1)),
        "meetings:document_download": r(document(a), document(b)),
        "meetings:document_comment_add": r(
            document(a), document(b), method="post", ok=302, data={"text": "Góp ý", "page": "1"}
        ),
        "meetings:document_comment_resolve": r(
            with_comment(a), with_comment(b), method="post", ok=302, data={"resolved": "1"}
        ),
        "api:meeting_document": r(document(a), document(b), api=True),
        "api:meeting_document_page": r(document(a, 2), document(b, 2), api=True),
        "api:meeting_document_comments": r(document(a), document(b), api=True),
        "api:meeting_document_comment_add": r(
            document(a), document(b), api=True, method="post", ok=201, data={"text": "Góp ý"}
        ),
        "api:meeting_document_comment_resolve": r(
            with_comment(a), with_comment(b), api=True, method="post", data={"resolved": True}
        ),
    }
