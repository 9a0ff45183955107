"""Comments on a meeting document: who may write and resolve them, what is refused and why, the
audit rows and live notices, the pages and the API."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from hoiso.core.models import AuditLog
from hoiso.meetings import services
from hoiso.meetings.models import DocumentComment, ItemDocument
from tests.conftest import client_for, make_user
from tests.meetings.conftest import Room, build_room, says
from tests.meetings.matrix_docs import pdf_bytes


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEETINGS_PAGE_CACHE_DIR = tmp_path / "page-cache"


def add_pdf(room: Room, pages: int = 3) -> ItemDocument:
    return services.item_document_add(
        actor=room.chair,
        item=room.item1,
        title="Dự thảo báo cáo",
        file=ContentFile(pdf_bytes(pages), name="bao-cao.pdf"),
        filename="bao-cao.pdf",
    )


@pytest.fixture
def doc(room: Room) -> ItemDocument:
    return add_pdf(room)


def pages_message(n: int) -> str:
    from django.utils.translation import gettext

    return gettext("The document has pages 1 to %(n)d.") % {"n": n}


def api_comments(doc: ItemDocument) -> str:
    return reverse("api:meeting_document_comments", args=[doc.item.meeting_id, doc.pk])


def test_participant_comments_on_a_page_with_audit_and_notice(
    room: Room, doc: ItemDocument, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("hoiso.meetings.broadcast.send_now") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        comment = services.comment_add(
            actor=room.remote, item_document=doc, text="  Đề nghị sửa số liệu ở mục 2  ", page=2
        )
    assert comment.text == "Đề nghị sửa số liệu ở mục 2"
    assert comment.page == 2 and comment.participant == room.p(room.remote)
    assert not comment.resolved
    sent.assert_called_once_with(room.meeting.pk, {"type": "comments.changed", "document": doc.pk})
    row = AuditLog.objects.get(action="meetings.comment.add")
    assert row.actor_id == room.remote.pk and row.object_id == str(comment.pk)
    assert row.detail == {"document": doc.pk, "page": 2}
    assert row.unit_id == room.meeting.unit_id


def test_bad_comments_are_refused_with_what_and_where(room: Room, doc: ItemDocument) -> None:
    with pytest.raises(ValidationError, match=says("Write the comment before sending it.")) as e:
        services.comment_add(actor=room.delegate, item_document=doc, text="   ")
    assert "text" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.comment_add(actor=room.delegate, item_document=doc, text="x", page=4)
    assert e.value.message_dict["page"] == [pages_message(3)]
    with pytest.raises(ValidationError) as e:
        services.comment_add(actor=room.delegate, item_document=doc, text="x" * 4001)
    assert "text" in e.value.message_dict
    assert not DocumentComment.objects.exists()


def test_who_may_comment_and_resolve(room: Room, doc: ItemDocument, tree: Any, users: Any) -> None:
    # an organiser who does not sit in the meeting (change permission at the host unit)
    organiser = users["province_cadre"]
    assert room.meeting.participants.filter(user=organiser).exists() is False
    by_organiser = services.comment_add(actor=organiser, item_document=doc, text="Bổ sung phụ lục")
    assert by_organiser.participant is None
    # someone who sees the meeting by her scope, neither invited nor organiser: reads only
    onlooker = make_user("lanhdao2", "leader", tree.province, full_name="Hà Thị Xuân")
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=onlooker, item_document=doc, text="Tôi góp ý")
    comment = services.comment_add(actor=room.delegate, item_document=doc, text="Sửa tên")
    # a plain participant may not resolve; the chair and the organiser may
    with pytest.raises(PermissionDenied):
        services.comment_resolve(actor=room.delegate, comment=comment)
    services.comment_resolve(actor=room.chair, comment=comment)
    comment.refresh_from_db()
    assert comment.resolved and comment.resolved_by == room.chair and comment.resolved_at
    services.comment_resolve(actor=organiser, comment=comment, resolved=False)
    comment.refresh_from_db()
    assert not comment.resolved and comment.resolved_by is None and comment.resolved_at is None
    actions = list(
        AuditLog.objects.filter(action__startswith="meetings.comment.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "meetings.comment.add",
        "meetings.comment.add",
        "meetings.comment.resolve",
        "meetings.comment.reopen",
    ]


def test_secret_meeting_only_participants_comment(tree: Any, users: Any) -> None:
    room = build_room(tree, users, secret=True)
    doc = add_pdf(room)
    # the province admin organises at the host unit but does not sit in the secret meeting
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=users["admin"], item_document=doc, text="Góp ý")
    comment = services.comment_add(actor=room.delegate, item_document=doc, text="Góp ý")
    with pytest.raises(PermissionDenied):
        services.comment_resolve(actor=users["admin"], comment=comment)
    # the chair sits in it: she resolves
    services.comment_resolve(actor=room.chair, comment=comment)
    # the API: outsiders see nothing (404), and each read of the comments is audited
    assert client_for(users["admin"]).get(api_comments(doc)).status_code == 404
    listed = client_for(room.remote).get(api_comments(doc))
    assert listed.status_code == 200 and [c["text"] for c in listed.json()] == ["Góp ý"]
    assert listed["Content-Type"] == "application/json; charset=utf-8"
    [row] = AuditLog.objects.filter(action="meetings.document.comments")
    assert row.actor_id == room.remote.pk


def test_closed_meeting_comments_are_final(room: Room, doc: ItemDocument) -> None:
    comment = services.comment_add(actor=room.delegate, item_document=doc, text="Trước khi họp")
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    services.meeting_close(actor=room.chair, meeting=room.meeting)
    doc.item.meeting.refresh_from_db()
    with pytest.raises(ValidationError, match=says("The meeting is closed.")):
        services.comment_add(actor=room.delegate, item_document=doc, text="Muộn")
    with pytest.raises(ValidationError, match=says("The meeting is closed.")):
        services.comment_resolve(actor=room.chair, comment=comment)


# --- pages and API -----------------------------------------------------------------------------


def test_comment_form_beside_the_viewer(room: Room, doc: ItemDocument) -> None:
    client = client_for(room.remote)
    view = reverse("meetings:document_view", args=[room.meeting.pk, doc.pk])
    add = reverse("meetings:document_comment_add", args=[room.meeting.pk, doc.pk])
    page = client.get(view + "?page=2")
    assert b'data-testid="comment-form"' in page.content
    # without htmx: back to the viewer on the same page
    response = client.post(
        add, {"text": "Trang này thiếu số liệu", "page": "2", "current_page": "2"}
    )
    assert response.status_code == 302 and response["Location"] == view + "?page=2#comments"
    # with htmx: the comments block comes back with the new comment in it
    response = client.post(add, {"text": "Cả tài liệu nên rút gọn"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="comments"' in html and "<html" not in html
    assert "Trang này thiếu số liệu" in html and "Cả tài liệu nên rút gọn" in html
    assert list(DocumentComment.objects.order_by("id").values_list("page", flat=True)) == [2, None]
    # a bad comment: the viewer again, with the error at the field
    response = client.post(add, {"text": "x", "page": "9", "current_page": "1"})
    assert response.status_code == 400
    assert pages_message(3) in response.content.decode()
    # a participant has no resolve button; the chair has
    assert b'data-testid="resolve"' not in client.get(view).content
    chair = client_for(room.chair)
    assert b'data-testid="resolve"' in chair.get(view).content
    first = DocumentComment.objects.order_by("id").first()
    assert first is not None
    resolve = reverse("meetings:document_comment_resolve", args=[room.meeting.pk, doc.pk, first.pk])
    assert client.post(resolve, {"resolved": "1"}).status_code == 403
    assert chair.post(resolve, {"resolved": "1"}).status_code == 302
    first.refresh_from_db()
    assert first.resolved


def test_api_comments(room: Room, doc: ItemDocument) -> None:
    client = client_for(room.delegate)
    url = api_comments(doc)
    created = client.post(url, {"text": "Sửa điều 3", "page": 1}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["text"] == "Sửa điều 3" and body["page"] == 1 and body["author"] == "Đỗ Thị Bình"
    refused = client.post(url, {"text": ""}, content_type="application/json")
    assert refused.status_code == 422 and "text" in refused.json()["detail"]
    client.post(url, {"text": "Chung"}, content_type="application/json")
    assert [c["text"] for c in client.get(url + "?page=1").json()] == ["Sửa điều 3"]
    resolve = reverse(
        "api:meeting_document_comment_resolve", args=[room.meeting.pk, doc.pk, body["id"]]
    )
    assert client.post(resolve, {}, content_type="application/json").status_code == 403
    done = client_for(room.chair).post(resolve, {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["resolved"] is True
    assert [c["text"] for c in client.get(url + "?open_only=true").json()] == ["Chung"]
    meta = client.get(reverse("api:meeting_document", args=[room.meeting.pk, doc.pk])).json()
    assert meta["comments"] == 2 and meta["open_comments"] == 1 and meta["pages"] == 3
    assert meta["can_comment"] is True and meta["can_resolve"] is False
    # not a comment of this document: 404
    other = add_pdf(room)
    wrong = reverse(
        "api:meeting_document_comment_resolve", args=[room.meeting.pk, other.pk, body["id"]]
    )
    assert (
        client_for(room.chair).post(wrong, {}, content_type="application/json").status_code == 404
    )
