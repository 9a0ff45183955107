"""The meeting document viewer: pages rendered from real files (a PDF made here, a PNG scan, a
DOCX without preview, the archive's PDF/A), the watermark, cache and audit of a secret
meeting's pages, downloads only outside secret meetings, and who may see what."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageChops

from hoiso.core.models import AuditLog
from hoiso.meetings import rendering, services
from hoiso.meetings.models import ItemDocument
from tests.conftest import client_for, make_user
from tests.meetings.conftest import Room, build_room
from tests.meetings.matrix_docs import pdf_bytes

VIEW_ACTIONS = ["meetings.document.view", "meetings.document.page", "meetings.document.comments"]
FIXED = timezone.make_aware(dt.datetime(2026, 3, 5, 9, 41))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEETINGS_PAGE_CACHE_DIR = tmp_path / "page-cache"


@pytest.fixture
def secret_room(tree: Any, users: dict[str, Any]) -> Room:
    return build_room(tree, users, secret=True)


def upload(room: Room, data: bytes, name: str, title: str = "Dự thảo nghị quyết") -> ItemDocument:
    return services.item_document_add(
        actor=room.chair,
        item=room.item1,
        title=title,
        file=ContentFile(data, name=name),
        filename=name,
    )


def page_url(doc: ItemDocument, page: int, **query: Any) -> str:
    url = reverse("meetings:document_page", args=[doc.item.meeting_id, doc.pk, page])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def image_of(response: Any) -> Image.Image:
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def changed_pixels(
    a: Image.Image, b: Image.Image, box: tuple[int, int, int, int] | None = None
) -> int:
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    if box is not None:
        diff = diff.crop(box)
    return diff.histogram()[255]


def page_audits(doc: ItemDocument, what: str = "page") -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(action=f"meetings.document.{what}", object_id=str(doc.pk)).order_by(
            "id"
        )
    )


# --- rendering -------------------------------------------------------------------------------


def test_pdf_pages_rendered_at_phone_width_and_cached_by_hash(room: Room, settings: Any) -> None:
    data = pdf_bytes(3)
    doc = upload(room, data, "du-thao.pdf")
    client = client_for(room.delegate)
    response = client.get(page_url(doc, 2))
    assert response.status_code == 200
    image = image_of(response)
    # A4 drawn 1000 px wide; the black band the page carries at 60–140 pt from the top
    assert image.size[0] == 1000 and abs(image.size[1] - 1415) <= 1
    band = image.getpixel((500, round(100 * 1000 / 595)))
    assert band == (0, 0, 0)
    assert image.getpixel((500, 5)) == (255, 255, 255)
    assert "private" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    # pages differ (the page number moves down on each page)
    assert changed_pixels(image, image_of(client.get(page_url(doc, 3)))) > 0
    # the phone width on request; a width not offered falls back to the default
    assert image_of(client.get(page_url(doc, 1, w=480))).size[0] == 480
    assert image_of(client.get(page_url(doc, 1, w=123))).size[0] == 1000
    # no page 4, no page 0
    assert client.get(page_url(doc, 4)).status_code == 404
    assert client.get(page_url(doc, 0)).status_code == 404
    # the cache: keyed by the file's sha256, the page and the width, shared by every viewer
    source = rendering.source_for(doc)
    cached = rendering.cache_path(source, 2, 1000)
    assert cached.is_file() and str(source.sha256) in str(cached)
    assert cached.read_bytes() == response.content
    marker = Image.new("RGB", (7, 7), (1, 2, 3))
    buffer = io.BytesIO()
    marker.save(buffer, "PNG")
    cached.write_bytes(buffer.getvalue())
    assert client_for(room.chair).get(page_url(doc, 2)).content == buffer.getvalue()
    # the same bytes uploaded again (another document) hit the same cache entry
    again = upload(room, data, "ban-sao.pdf")
    assert client.get(page_url(again, 2)).content == buffer.getvalue()
    # no audit rows for a non-secret meeting's pages
    assert page_audits(doc) == []


def test_scan_shown_as_it_is_and_office_file_gets_a_placeholder(room: Room) -> None:
    scan = Image.new("RGB", (640, 900), "white")
    scan.paste((0, 0, 0), (100, 100, 300, 200))
    out = io.BytesIO()
    scan.save(out, "PNG")
    png = upload(room, out.getvalue(), "bien-ban.png")
    client = client_for(room.delegate)
    shown = image_of(client.get(page_url(png, 1)))
    assert shown.size == (640, 900)  # smaller than the page width: never enlarged
    assert changed_pixels(shown, scan) == 0
    assert client.get(page_url(png, 2)).status_code == 404

    from tests.documents.corpus import RESOLUTION_LINES, docx_bytes

    docx = upload(room, docx_bytes(RESOLUTION_LINES), "nghi-quyet.docx")
    page = client.get(reverse("meetings:document_view", args=[room.meeting.pk, docx.pk]))
    assert page.status_code == 200
    assert b'data-testid="no-preview"' in page.content
    placeholder = image_of(client.get(page_url(docx, 1)))
    assert placeholder.size[0] == 1000
    assert client.get(page_url(docx, 2)).status_code == 404


def test_archive_document_rendered_from_its_pdfa(
    room: Room, users: dict[str, Any], tree: Any
) -> None:
    """A DOCX in the archive has no preview until the archive holds a PDF rendition of it."""
    from tests.documents.test_views import ingest

    archived = ingest(tree.province)
    doc = services.item_document_add(actor=room.chair, item=room.item1, document=archived)
    client = client_for(room.remote)  # a participant from commune A, outside the archive's unit
    assert rendering.page_count(rendering.source_for(doc)) == 0
    version = archived.current_version
    version.archive.save("archive.pdf", ContentFile(pdf_bytes(2)), save=True)
    source = rendering.source_for(doc)
    assert source.kind == "pdf" and rendering.page_count(source) == 2
    image = image_of(client.get(page_url(doc, 2)))
    assert image.size[0] == 1000 and image.getpixel((500, round(100 * 1000 / 595))) == (0, 0, 0)


# --- secret meetings -------------------------------------------------------------------------


def test_secret_page_is_watermarked_for_its_viewer_not_cached_and_audited(
    secret_room: Room, settings: Any
) -> None:
    secret_doc = upload(secret_room, pdf_bytes(2), "du-thao.pdf")
    plain = rendering.render(rendering.source_for(secret_doc), 1, 1000)

    delegate = secret_room.delegate
    with mock.patch("django.utils.timezone.now", return_value=FIXED):
        response = client_for(delegate).get(page_url(secret_doc, 1))
        other = image_of(client_for(secret_room.remote).get(page_url(secret_doc, 1)))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    marked = image_of(response)
    # the same page, with this viewer's name, username and the time drawn over it
    lines = rendering.watermark_lines(delegate, FIXED)
    assert lines == ["Đỗ Thị Bình", "daibieu1 · 05/03/2026 09:41"]
    assert changed_pixels(marked, rendering.watermark(plain, lines)) == 0
    # ... tiled: every quarter of the page carries it
    w, h = marked.size
    for box in (
        (0, 0, w // 2, h // 2),
        (w // 2, 0, w, h // 2),
        (0, h // 2, w // 2, h),
        (w // 2, h // 2, w, h),
    ):
        assert changed_pixels(marked, plain, box) > 500
    # ... semi-transparent: the page's own black band still shows through it
    assert marked.getpixel((300, round(100 * 1000 / 595)))[0] < 120
    # another viewer's copy names her instead
    assert changed_pixels(marked, other) > 500
    # nothing of a secret page is written to the page cache
    assert list(settings.MEETINGS_PAGE_CACHE_DIR.rglob("*")) == []
    # one audit row per page image, with the viewer and the page
    rows = page_audits(secret_doc)
    assert [(r.actor_id, r.detail["page"]) for r in rows] == [
        (delegate.pk, 1),
        (secret_room.remote.pk, 1),
    ]


def test_secret_pages_never_cached_on_disk(secret_room: Room, settings: Any) -> None:
    doc = upload(secret_room, pdf_bytes(1), "mat.pdf")
    client_for(secret_room.delegate).get(page_url(doc, 1))
    client_for(secret_room.delegate).get(page_url(doc, 1, w=480))
    assert client_for(secret_room.delegate).get(page_url(doc, 1)).status_code == 200
    assert list(settings.MEETINGS_PAGE_CACHE_DIR.rglob("*")) == []


def test_secret_viewer_page_view_only_no_store_audited(secret_room: Room) -> None:
    doc = upload(secret_room, pdf_bytes(2), "du-thao.pdf")
    client = client_for(secret_room.delegate)
    response = client.get(
        reverse("meetings:document_view", args=[secret_room.meeting.pk, doc.pk]) + "?page=2"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert 'data-testid="view-only"' in html
    assert 'data-testid="download"' not in html
    assert reverse("meetings:document_download", args=[secret_room.meeting.pk, doc.pk]) not in html
    assert "/media/" not in html  # the stored file's address is never shown
    [row] = page_audits(doc, "view")
    assert row.actor_id == secret_room.delegate.pk and row.detail["page"] == 2


def test_non_secret_viewer_offers_download_and_navigation(room: Room) -> None:
    doc = upload(room, pdf_bytes(3), "du-thao.pdf")
    response = client_for(room.delegate).get(
        reverse("meetings:document_view", args=[room.meeting.pk, doc.pk]) + "?page=2"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
    assert page_url(doc, 2) in html
    assert 'href="?page=1"' in html and 'href="?page=3"' in html
    assert 'data-testid="download"' in html
    assert page_audits(doc, "view") == []


# --- downloads -------------------------------------------------------------------------------


def test_download_of_a_non_secret_meetings_document_is_audited(room: Room) -> None:
    data = pdf_bytes(2)
    doc = upload(room, data, "du-thao.pdf")
    url = reverse("meetings:document_download", args=[room.meeting.pk, doc.pk])
    response = client_for(room.delegate).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert "attachment" in response["Content-Disposition"]
    [row] = AuditLog.objects.filter(action="meetings.document.download", object_id=str(doc.pk))
    assert row.actor_id == room.delegate.pk


def test_no_download_in_a_secret_meeting(secret_room: Room, users: dict[str, Any]) -> None:
    secret_doc = upload(secret_room, pdf_bytes(2), "du-thao.pdf")
    secret_url = reverse("meetings:document_download", args=[secret_room.meeting.pk, secret_doc.pk])
    # its participants: 403 (they read it in the viewer); anyone else: 404 (the meeting is unseen)
    for who in (secret_room.delegate, secret_room.chair):
        assert client_for(who).get(secret_url).status_code == 403
    assert client_for(users["admin"]).get(secret_url).status_code == 404
    assert not AuditLog.objects.filter(
        action="meetings.document.download", object_id=str(secret_doc.pk)
    ).exists()
    # the API says so, and nothing in it points at the stored file
    api = (
        client_for(secret_room.delegate)
        .get(reverse("api:meeting_document", args=[secret_room.meeting.pk, secret_doc.pk]))
        .json()
    )
    assert api["protected"] is True and api["can_download"] is False and api["download_url"] is None
    agenda = client_for(secret_room.delegate).get(
        reverse("api:meeting_agenda", args=[secret_room.meeting.pk])
    )
    assert "/media/" not in agenda.content.decode() and "du-thao.pdf" not in agenda.content.decode()


def test_archive_download_through_the_meeting_leaves_both_trails(room: Room, tree: Any) -> None:
    from tests.documents.test_views import ingest

    archived = ingest(tree.province)
    doc = services.item_document_add(actor=room.chair, item=room.item1, document=archived)
    response = client_for(room.remote).get(
        reverse("meetings:document_download", args=[room.meeting.pk, doc.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == archived.current_version.file.open("rb").read()
    assert (
        AuditLog.objects.filter(action="meetings.document.download", object_id=str(doc.pk)).count()
        == 1
    )
    assert (
        AuditLog.objects.filter(action="document.download", object_id=str(archived.pk)).count() == 1
    )


def test_secret_archive_document_only_for_its_named_readers(
    room: Room, tree: Any, users: dict[str, Any]
) -> None:
    """An archive document marked secret after it was attached to a non-secret meeting (a secret
    one cannot be attached there) keeps the archive's rule inside the meeting: its named
    readers read it (watermarked, audited, no download); other participants: 404."""
    from tests.documents.test_views import ingest, make_secret

    archived = ingest(tree.province, actor=users["province_cadre"])
    doc = services.item_document_add(actor=room.chair, item=room.item1, document=archived)
    archived = make_secret(archived, [users["province_cadre"], room.chair])
    version = archived.current_version
    version.archive.save("archive.pdf", ContentFile(pdf_bytes(1)), save=True)
    viewer = reverse("meetings:document_view", args=[room.meeting.pk, doc.pk])
    assert client_for(room.delegate).get(viewer).status_code == 404
    assert client_for(room.delegate).get(page_url(doc, 1)).status_code == 404
    chair = client_for(room.chair)
    response = chair.get(page_url(doc, 1))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert len(page_audits(doc)) == 1
    assert (
        chair.get(reverse("meetings:document_download", args=[room.meeting.pk, doc.pk])).status_code
        == 403
    )


# --- who sees -------------------------------------------------------------------------------


def test_non_participant_gets_404_for_a_secret_meetings_document(
    secret_room: Room, users: dict[str, Any]
) -> None:
    doc = upload(secret_room, pdf_bytes(1), "mat.pdf")
    m = secret_room.meeting.pk
    urls = [
        reverse("meetings:document_view", args=[m, doc.pk]),
        page_url(doc, 1),
        reverse("api:meeting_document", args=[m, doc.pk]),
        reverse("api:meeting_document_page", args=[m, doc.pk, 1]),
        reverse("api:meeting_document_comments", args=[m, doc.pk]),
    ]
    # the province admin holds every meeting permission at the host unit, but does not sit in it
    for url in urls:
        assert client_for(users["admin"]).get(url).status_code == 404, url
        assert client_for(users["nobody"]).get(url).status_code == 403, url
    assert not AuditLog.objects.filter(action__in=VIEW_ACTIONS, object_id=str(doc.pk)).exists()


def test_document_of_another_meeting_is_404(room: Room, tree: Any, users: dict[str, Any]) -> None:
    other = services.meeting_create(
        actor=None, unit=tree.province, title="Giao ban", starts_at=timezone.now(), chair=room.chair
    )
    item = services.agenda_item_add(actor=None, meeting=other, title="Nội dung")
    doc = services.item_document_add(
        actor=None, item=item, file=ContentFile(pdf_bytes(1), name="khac.pdf"), filename="khac.pdf"
    )
    # the document exists and the user sees both meetings, but it is not this meeting's
    url = reverse("meetings:document_view", args=[room.meeting.pk, doc.pk])
    assert client_for(room.chair).get(url).status_code == 404


def test_viewer_in_scope_but_not_invited_reads_without_commenting(room: Room, tree: Any) -> None:
    onlooker = make_user("lanhdao2", "leader", tree.province, full_name="Hà Thị Xuân")
    doc = upload(room, pdf_bytes(1), "du-thao.pdf")
    response = client_for(onlooker).get(
        reverse("meetings:document_view", args=[room.meeting.pk, doc.pk])
    )
    assert response.status_code == 200
    assert b'data-testid="comment-form"' not in response.content
    assert client_for(onlooker).get(page_url(doc, 1)).status_code == 200
