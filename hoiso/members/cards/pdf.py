"""What a card shows (one ``CardFace`` per member), its QR code, and the PDF rendering.

The card page and the PDF render the same template fragment, so they cannot drift apart. The
PDF never fetches anything: the photo is embedded as a ``data:`` URI, the QR code as inline SVG,
the stylesheet inline, and the URL fetcher refuses every other scheme.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from django.utils import translation

from hoiso.members.cards.selectors import UnitLine, unit_lines
from hoiso.members.cards.tokens import verify_url
from hoiso.members.choices import MemberType
from hoiso.members.models import Member

log = logging.getLogger(__name__)
# WeasyPrint logs seven INFO "progress" lines per document; keep them out of the server log
# unless the LOGGING setting asks for them.
_progress = logging.getLogger("weasyprint.progress")
if _progress.level == logging.NOTSET:
    _progress.setLevel(logging.WARNING)

# Cards on one A4 sheet (2 columns x 4 rows of ID-1 cards, 85.6 x 54 mm, with room for cut marks).
PER_SHEET = 8
# Larger prints are refused: the sheet is rendered during the request (400 cards took 17 s).
MAX_SHEET_CARDS = 240  # about 10 s of rendering on one core
PHOTO_BOX = (300, 400)  # pixels: about 380 dpi at the printed 20 x 26 mm


@dataclass(frozen=True)
class CardFace:
    """Everything printed on one card, and nothing else (no ID number, no sensitive field)."""

    member_id: int
    full_name: str
    initials: str
    birth_year: int
    honorary: bool
    unit: UnitLine
    card_number: str
    issued_on: dt.date | None
    verify_url: str
    qr_svg: str
    photo: str  # a data: URI, or "" for the initials block


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG that scales with its box (no width/height)."""
    code = segno.make(url, error="m")
    return str(code.svg_inline(scale=1, border=4, omitsize=True, svgclass="mc-qr-svg"))


def initials(full_name: str) -> str:
    """Family-name and given-name initials ("Nguyễn Thị Hoa" → "NH") for a card without photo."""
    words = full_name.split()
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def photo_data_uri(member: Member) -> str:
    """The member's photo, shrunk and embedded; "" when there is none or it cannot be read."""
    if not member.photo:
        return ""
    from PIL import Image, ImageOps

    try:
        with member.photo.open("rb") as fh, Image.open(fh) as original:
            img = ImageOps.exif_transpose(original).convert("RGB")
            img.thumbnail(PHOTO_BOX)
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85)
    except (OSError, ValueError) as exc:  # missing file, not an image
        log.warning("card photo of member %s unreadable: %s", member.pk, exc)
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def card_faces(members: Iterable[Member]) -> list[CardFace]:
    """The faces of the members' current cards (their units' names read in one query)."""
    members = list(members)
    lines = unit_lines(m.unit for m in members)
    faces = []
    for m in members:
        url = verify_url(m)
        faces.append(
            CardFace(
                member_id=m.pk,
                full_name=m.full_name,
                initials=initials(m.full_name),
                birth_year=m.birth_year,
                honorary=m.member_type == MemberType.HONORARY,
                unit=lines[m.unit_id],
                card_number=m.card_number,
                issued_on=m.card_issued_on,
                verify_url=url,
                qr_svg=qr_svg(url),
                photo=photo_data_uri(m),
            )
        )
    return faces


def _no_fetching() -> object:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def render_pdf(faces: Sequence[CardFace], *, card_size: bool = False, title: str = "") -> bytes:
    """Cards as a PDF: A4 sheets with cut marks, or one card per page at card size (PVC printers).

    Always in Vietnamese: the card is an official paper of the union, whatever the UI language.
    """
    from weasyprint import HTML  # imported late: the app runs without Pango until a PDF is asked

    pages = (
        [[face] for face in faces]
        if card_size
        else [list(faces[i : i + PER_SHEET]) for i in range(0, len(faces), PER_SHEET)]
    )
    with translation.override("vi"):
        html = render_to_string(
            "members/cards/pdf.html", {"pages": pages, "card_size": card_size, "title": title}
        )
    pdf = HTML(string=html, url_fetcher=_no_fetching()).write_pdf()
    return bytes(pdf or b"")
