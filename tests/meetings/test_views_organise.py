"""The organiser's pages: create and edit through the forms, invitations, agenda tree, archive
documents, votes, minutes, the list's secrecy and the follow-up task list's scope."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from hoiso.meetings import services
from hoiso.meetings.models import (
    FollowUpTask,
    ItemDocument,
    Meeting,
    Minutes,
    Participant,
    Vote,
)
from tests.conftest import Tree, client_for
from tests.meetings.conftest import Room, build_room


def url(name: str, *args: Any) -> str:
    return reverse(f"meetings:{name}", args=args)


def local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M"))


def commune_meeting(users: dict[str, Any], tree: Tree, **kw: Any) -> Meeting:
    return services.meeting_create(
        actor=users["cadre_a"],
        unit=tree.commune_a,
        title=kw.pop("title", "Giao ban tháng 3"),
        starts_at=kw.pop("starts_at", timezone.now() + dt.timedelta(days=2)),
        **kw,
    )


def form_errors(response: Any, name: str) -> dict[str, list[str]]:
    form = response.context[name]
    return {k: [str(e) for e in v] for k, v in form.errors.items()}


# --- create and edit -------------------------------------------------------------------------


def test_cadre_creates_a_meeting_through_the_form(users: dict[str, Any], tree: Tree) -> None:
    client = client_for(users["cadre_a"])
    page = client.get(url("meeting_create"))
    assert page.status_code == 200
    units = dict(page.context["form"].fields["unit"].choices)
    assert tree.commune_a.pk in units and tree.chapter_a1.pk in units
    assert tree.commune_b.pk not in units and tree.province.pk not in units
    response = client.post(
        url("meeting_create"),
        {
            "title": "  Hội nghị sơ kết quý I ",
            "kind": "hoi_nghi",
            "unit": tree.commune_a.pk,
            "starts_at": "2026-04-02T08:00",
            "ends_at": "2026-04-02T11:30",
            "place": "Hội trường phường",
            "chair": "Lê Thị Mai (chihoi_a1)",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.title == "Hội nghị sơ kết quý I" and meeting.kind == "hoi_nghi"
    assert meeting.unit == tree.commune_a and meeting.state == "draft"
    assert meeting.starts_at == local("2026-04-02T08:00")
    assert meeting.chair == users["chapter_a1"]
    assert meeting.sites.get(is_hub=True).unit == tree.commune_a
    detail = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert "Hội nghị sơ kết quý I" in detail and "Lê Thị Mai" in detail
    assert f'href="{url("opinion_list", meeting.pk)}"' in detail


def test_bad_input_is_explained_at_its_field_and_nothing_is_written(
    users: dict[str, Any], tree: Tree
) -> None:
    client = client_for(users["cadre_a"])
    base = {"title": "Giao ban", "kind": "giao_ban", "unit": tree.commune_a.pk}
    # missing title and start
    r1 = client.post(url("meeting_create"), {**base, "title": "", "starts_at": ""})
    assert r1.status_code == 200
    errors = form_errors(r1, "form")
    assert set(errors) >= {"title", "starts_at"}
    # ends before it starts: the service's message, at ends_at
    r2 = client.post(
        url("meeting_create"),
        {**base, "starts_at": "2026-04-02T08:00", "ends_at": "2026-04-02T07:00"},
    )
    assert form_errors(r2, "form") == {
        "ends_at": [gettext("The meeting must end after it starts.")]
    }
    # a host unit outside her scope is not even a choice
    r3 = client.post(
        url("meeting_create"), {**base, "unit": tree.commune_b.pk, "starts_at": "2026-04-02T08:00"}
    )
    assert "unit" in form_errors(r3, "form")
    # a chair nobody in her scope has
    r4 = client.post(
        url("meeting_create"),
        {**base, "starts_at": "2026-04-02T08:00", "chair": "Trần Thị Lan (canbo_daitu)"},
    )
    assert list(form_errors(r4, "form")) == ["chair"]
    html = r2.content.decode()
    # the message sits in the field's block, after its input
    block = re.search(r'<div class="field">\s*<label for="id_ends_at".*?</div>', html, re.S)
    assert block and gettext("The meeting must end after it starts.") in block.group(0)
    assert Meeting.objects.count() == 0


def test_edit_changes_details_and_chair_together(users: dict[str, Any], tree: Tree) -> None:
    meeting = commune_meeting(users, tree)
    client = client_for(users["cadre_a"])
    assert client.get(url("meeting_edit", meeting.pk)).status_code == 200
    data = {
        "title": "Giao ban tháng 4",
        "kind": "giao_ban",
        "starts_at": "2026-05-02T08:00",
        "place": "Phòng họp",
        "chair": "chihoi_a1",
    }
    assert client.post(url("meeting_edit", meeting.pk), data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Giao ban tháng 4" and meeting.chair == users["chapter_a1"]
    assert Participant.objects.get(meeting=meeting, user=users["chapter_a1"]).role == "chair"
    # a bad end time: neither the title nor the chair changes
    bad = {**data, "title": "Khác", "ends_at": "2026-05-01T08:00", "chair": "canbo_phoyen"}
    assert client.post(url("meeting_edit", meeting.pk), bad).status_code == 200
    meeting.refresh_from_db()
    assert meeting.title == "Giao ban tháng 4" and meeting.chair == users["chapter_a1"]
    # a leader sees the meeting but does not organise it
    assert client_for(users["leader"]).get(url("meeting_edit", meeting.pk)).status_code == 403


# --- participants ----------------------------------------------------------------------------


def invited(meeting: Meeting) -> set[str]:
    return set(Participant.objects.filter(meeting=meeting).values_list("user__username", flat=True))


def test_invitations_by_unit(users: dict[str, Any], tree: Tree) -> None:
    meeting = commune_meeting(users, tree)
    hub = meeting.sites.get(is_hub=True)
    client = client_for(users["cadre_a"])
    add = url("participants_add", meeting.pk)
    # one role at a chapter
    r = client.post(
        add,
        {
            "mode": "unit",
            "byunit-unit": "TN-PHOYEN-CH1",
            "byunit-unit_role": "chapter",
            "byunit-role": "delegate",
            "byunit-site": hub.pk,
        },
    )
    assert r.status_code == 302
    assert invited(meeting) == {"chihoi_a1"}
    assert Participant.objects.get(meeting=meeting, user=users["chapter_a1"]).site == hub
    # everyone holding a role in the commune's subtree, as guests; those in keep their role
    client.post(
        add,
        {
            "mode": "unit",
            "byunit-unit": "tn-phoyen",
            "byunit-subtree": "on",
            "byunit-role": "guest",
        },
    )
    assert invited(meeting) == {"chihoi_a1", "canbo_phoyen", "hoivien"}
    assert Participant.objects.get(meeting=meeting, user=users["chapter_a1"]).role == "delegate"
    # another commune's unit: refused at the field, nobody added
    r = client.post(add, {"mode": "unit", "byunit-unit": "TN-DAITU", "byunit-role": "delegate"})
    assert r.status_code == 200 and list(form_errors(r, "unit_form")) == ["unit"]
    assert invited(meeting) == {"chihoi_a1", "canbo_phoyen", "hoivien"}


def test_invitations_by_name_stay_in_scope(users: dict[str, Any], tree: Tree) -> None:
    meeting = commune_meeting(users, tree)
    client = client_for(users["cadre_a"])
    found = client.get(url("people_search"), {"q": "le thi", "as": "ticks"}).content.decode()
    assert f'value="{users["chapter_a1"].pk}"' in found
    other = client.get(url("people_search"), {"q": "tran thi lan", "as": "ticks"}).content.decode()
    assert f'value="{users["cadre_b"].pk}"' not in other
    options = client.get(url("people_search"), {"chair": "Lê"}).content.decode()
    assert "Lê Thị Mai (chihoi_a1)" in options
    add = url("participants_add", meeting.pk)
    r = client.post(
        add, {"mode": "people", "people-users": [users["cadre_b"].pk], "people-role": "delegate"}
    )
    assert r.status_code == 200 and list(form_errors(r, "people_form")) == ["users"]
    assert invited(meeting) == set()
    r = client.post(
        add,
        {"mode": "people", "people-users": [users["chapter_a1"].pk], "people-role": "secretary"},
    )
    assert r.status_code == 302
    p = Participant.objects.get(meeting=meeting, user=users["chapter_a1"])
    assert p.role == "secretary"
    # role change to chair through the participants page
    r = client.post(url("participant_update", meeting.pk, p.pk), {"p-role": "chair"})
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.chair == users["chapter_a1"]


def test_invited_person_accepts_from_the_list(room: Room) -> None:
    client = client_for(room.delegate)
    page = client.get(url("meeting_list")).content.decode()
    assert 'data-testid="invitations"' in page and room.meeting.title in page
    r = client.post(
        url("invitation_respond", room.meeting.pk),
        {"answer": "decline", "next": url("meeting_list")},
    )
    assert r.status_code == 302 and r["Location"] == url("meeting_list")
    assert room.p(room.delegate).invitation == "declined"


# --- sites, agenda, documents, votes ---------------------------------------------------------


def test_sites_and_the_agenda_tree(users: dict[str, Any], tree: Tree) -> None:
    meeting = commune_meeting(users, tree)
    client = client_for(users["cadre_a"])
    r = client.post(
        url("site_add", meeting.pk), {"site-unit": "TN-PHOYEN-CH2", "site-lead": "chihoi_a1"}
    )
    assert r.status_code == 302
    site = meeting.sites.get(is_hub=False)
    assert site.unit == tree.chapter_a2 and site.lead == users["chapter_a1"]
    r = client.post(url("site_add", meeting.pk), {"site-unit": "TN-DAITU"})
    assert r.status_code == 200 and list(form_errors(r, "site_form")) == ["unit"]
    add = url("item_add", meeting.pk)
    client.post(add, {"item-title": "Báo cáo tình hình", "item-planned_minutes": 15})
    client.post(add, {"item-title": "Thảo luận"})
    first = meeting.agenda.get(title="Báo cáo tình hình")
    client.post(add, {"item-title": "Ý kiến chi hội", "item-parent": first.pk})
    r = client.post(add, {"item-title": "", "item-planned_minutes": 0})
    assert set(form_errors(r, "item_form")) == {"title", "planned_minutes"}
    html = client.get(url("meeting_detail", meeting.pk)).content.decode()
    agenda = html[html.index('data-testid="agenda"') :]
    order = [agenda.index(t) for t in ("1.</span>Báo cáo", "1.1.</span>Ý kiến", "2.</span>Thảo")]
    assert order == sorted(order)
    # the item page moves "Thảo luận" before "Báo cáo tình hình"
    second = meeting.agenda.get(title="Thảo luận")
    r = client.post(url("item_edit", meeting.pk, second.pk), {"title": "Thảo luận", "position": 0})
    assert r.status_code == 302
    numbers = {i.title: n for i, n in _numbers(meeting)}
    assert numbers == {"Thảo luận": "1", "Báo cáo tình hình": "2", "Ý kiến chi hội": "2.1"}


def _numbers(meeting: Meeting) -> list[tuple[Any, str]]:
    from hoiso.meetings import selectors

    numbers = selectors.agenda_numbers(meeting)
    return [(i, numbers[i.pk]) for i, _d in selectors.agenda_tree(meeting)]


@pytest.fixture
def archive(users: dict[str, Any], tree: Tree, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from tests.documents.test_views import ingest, make_secret

    settings.MEDIA_ROOT = tmp_path / "media"
    lines = ["HỘI LHPN PHƯỜNG PHỔ YÊN", "NGHỊ QUYẾT", "Về chuyển đổi số trong chi hội"]
    return {
        "mine": ingest(tree.commune_a, lines=[*lines, "Bản 1"], process=True),
        "other": ingest(tree.commune_b, lines=[*lines, "Bản 2"], process=True),
        "secret": make_secret(
            ingest(tree.commune_a, lines=[*lines, "Bản 3"], process=True), [users["cadre_a"]]
        ),
        "secret_not_mine": make_secret(
            ingest(tree.commune_a, lines=[*lines, "Bản 4"], process=True), [users["admin"]]
        ),
    }


def test_archive_documents_respect_scope_and_secrecy(
    users: dict[str, Any], tree: Tree, archive: dict[str, Any]
) -> None:
    meeting = commune_meeting(users, tree)
    item = services.agenda_item_add(actor=None, meeting=meeting, title="Nghị quyết")
    client = client_for(users["cadre_a"])
    page = url("item_documents", meeting.pk, item.pk)
    hits = client.get(page, {"q": "chuyen doi so"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{archive["mine"].pk}"' in hits
    assert f'value="{archive["other"].pk}"' not in hits  # another commune's
    assert f'value="{archive["secret"].pk}"' not in hits  # secret, the meeting is not

    def attach(pk: int, on: str = page) -> Any:
        return client.post(on, {"archive_document": pk})

    for key in ("other", "secret_not_mine", "secret"):
        r = attach(archive[key].pk)
        assert r.status_code == 200 and list(form_errors(r, "form")) == ["archive_document"]
    assert not ItemDocument.objects.exists()
    assert attach(archive["mine"].pk).status_code == 302
    assert ItemDocument.objects.get().document == archive["mine"]
    # neither or both sources: one error, nothing written
    r = client.post(page, {"title": "Trống"})
    assert r.status_code == 200 and form_errors(r, "form")["__all__"]
    # an upload
    upload = SimpleUploadedFile("du-thao.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    assert client.post(page, {"title": "Dự thảo", "file": upload}).status_code == 302
    assert ItemDocument.objects.filter(title="Dự thảo").exclude(file="").exists()
    # a secret meeting takes the secret document its organiser may read
    secret_meeting = commune_meeting(users, tree, secret=True)
    secret_item = services.agenda_item_add(actor=None, meeting=secret_meeting, title="Mật")
    on = url("item_documents", secret_meeting.pk, secret_item.pk)
    hits = client.get(on, {"q": "chuyen doi so"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{archive["secret"].pk}"' in hits
    assert f'value="{archive["secret_not_mine"].pk}"' not in hits
    assert attach(archive["secret"].pk, on).status_code == 302
    assert ItemDocument.objects.filter(item=secret_item, document=archive["secret"]).exists()
    # the rule is the service's, not only the form's: the API and every caller meet it
    with pytest.raises(ValidationError) as refused:
        services.item_document_add(actor=None, item=item, document=archive["secret"])
    assert "document" in refused.value.message_dict
    # and the secret meeting cannot be made open while a secret document sits in it
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(actor=None, meeting=secret_meeting, secret=False)
    assert "secret" in refused.value.message_dict
    secret_meeting.refresh_from_db()
    assert secret_meeting.secret


def test_prepare_a_vote(room: Room) -> None:
    client = client_for(room.chair)
    add = url("vote_add", room.meeting.pk)
    r = client.post(add, {"vote-question": " ", "vote-item": room.item2.pk})
    assert r.status_code == 200 and list(form_errors(r, "vote_form")) == ["question"]
    r = client.post(
        add,
        {"vote-question": "Thông qua nghị quyết?", "vote-item": room.item2.pk, "vote-secret": "on"},
    )
    assert r.status_code == 302
    vote = Vote.objects.get()
    assert vote.state == "draft" and vote.secret and vote.item == room.item2
    html = client.get(url("meeting_detail", room.meeting.pk)).content.decode()
    assert "Thông qua nghị quyết?" in html
    # a participant who does not organise cannot prepare one
    assert client_for(room.delegate).post(add, {"vote-question": "Khác?"}).status_code == 403


# --- minutes ---------------------------------------------------------------------------------


def test_minutes_edit_and_finalise_permissions(room: Room, users: dict[str, Any]) -> None:
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    services.meeting_close(actor=room.chair, meeting=room.meeting)
    page = url("minutes_edit", room.meeting.pk)
    # a site lead (delegate) does not read or write drafts
    assert client_for(room.lead_a).get(page).status_code == 403
    assert client_for(room.lead_a).post(page, {"body": "x"}).status_code == 403
    organiser = client_for(users["province_cadre"])
    assert organiser.get(page).status_code == 200
    r = organiser.post(page, {"body": "BIÊN BẢN\nNội dung đã sửa"})
    assert r.status_code == 302
    minutes = Minutes.objects.get(meeting=room.meeting)
    assert minutes.body == "BIÊN BẢN\nNội dung đã sửa"
    # only the chair finalises
    assert organiser.post(url("minutes_finalise", room.meeting.pk)).status_code == 403
    chair = client_for(room.chair)
    assert 'data-testid="finalise"' in chair.get(page).content.decode()
    assert chair.post(url("minutes_finalise", room.meeting.pk)).status_code == 302
    minutes.refresh_from_db()
    assert minutes.state == "final"
    # final: no more edits; everyone who sees the meeting reads them
    r = organiser.post(page, {"body": "sửa nữa"})
    assert r.status_code == 200 and gettext("The minutes are final.") in r.content.decode()
    minutes.refresh_from_db()
    assert minutes.body == "BIÊN BẢN\nNội dung đã sửa"
    read = client_for(room.lead_a).get(page)
    assert read.status_code == 200 and "Nội dung đã sửa" in read.content.decode()


# --- secrecy and the list --------------------------------------------------------------------


def test_secret_meeting_is_invisible_to_outsiders(tree: Tree, users: dict[str, Any]) -> None:
    room = build_room(tree, users, secret=True)
    open_one = commune_meeting(users, tree, title="Giao ban công khai")
    admin = client_for(users["admin"])  # the province admin is not invited
    page = admin.get(url("meeting_list"))
    html = page.content.decode()
    assert "Giao ban công khai" in html and room.meeting.title not in html
    assert page.context["total"] == 1
    assert admin.get(url("meeting_detail", room.meeting.pk)).status_code == 404
    assert admin.get(url("meeting_list"), {"state": "draft"}).context["total"] == 1
    # a participant sees it (and the view is audited)
    from hoiso.core.models import AuditLog

    mine = client_for(room.delegate)
    assert room.meeting.title in mine.get(url("meeting_list")).content.decode()
    assert mine.get(url("meeting_detail", room.meeting.pk)).status_code == 200
    assert AuditLog.objects.filter(
        action="meetings.meeting.view", object_id=str(room.meeting.pk)
    ).exists()
    assert open_one.pk


def test_search_finds_titles_and_places_without_diacritics_but_no_secret_meeting(
    tree: Tree, users: dict[str, Any]
) -> None:
    """Search by words of the title or place, with or without diacritics, on the page and in
    the API; a secret meeting's title is never found by someone outside it."""
    room = build_room(tree, users, secret=True)  # "Hội nghị Ban Chấp hành mở rộng"
    open_one = commune_meeting(users, tree, title="Hội nghị sơ kết chuyển đổi số")
    services.meeting_update(actor=None, meeting=open_one, place="Hội trường xã Phổ Yên")
    admin = client_for(users["admin"])

    def found(client: Any, q: str) -> list[str]:
        page = client.get(url("meeting_list"), {"q": q})
        api = client.get(reverse("api:meeting_list"), {"q": q}).json()
        assert sorted(m["title"] for m in api) == sorted(m.title for m in page.context["meetings"])
        return [m.title for m in page.context["meetings"]]

    assert found(admin, "hoi nghi") == ["Hội nghị sơ kết chuyển đổi số"]  # not the secret one
    assert found(admin, "chuyen doi so") == ["Hội nghị sơ kết chuyển đổi số"]
    assert found(admin, "PHỔ YÊN") == ["Hội nghị sơ kết chuyển đổi số"]  # the place, any case
    assert found(admin, "mo rong") == []
    assert found(admin, "so ket mo rong") == []  # every word must be there
    member = client_for(room.delegate)
    assert "Hội nghị Ban Chấp hành mở rộng" in found(member, "mo rong")


def test_list_filters(users: dict[str, Any], tree: Tree) -> None:
    now = timezone.now()
    past = commune_meeting(
        users, tree, title="Họp tháng trước", starts_at=now - dt.timedelta(days=30)
    )
    soon = commune_meeting(users, tree, title="Họp tuần sau", starts_at=now + dt.timedelta(days=7))
    services.meeting_create(
        actor=users["cadre_b"], unit=tree.commune_b, title="Họp Đại Từ", starts_at=now, kind="bch"
    )
    client = client_for(users["province_cadre"])

    def titles(**params: Any) -> list[str]:
        return [m.title for m in client.get(url("meeting_list"), params).context["meetings"]]

    assert titles(when="upcoming") == ["Họp Đại Từ", "Họp tuần sau"]
    assert titles(when="past") == ["Họp tháng trước"]
    assert titles(unit="TN-PHOYEN") == ["Họp tuần sau", "Họp tháng trước"]
    assert titles(kind="bch") == ["Họp Đại Từ"]
    assert past.pk and soon.pk
    # the commune cadre sees her commune's only
    assert [
        m.title for m in client_for(users["cadre_a"]).get(url("meeting_list")).context["meetings"]
    ] == [
        "Họp tuần sau",
        "Họp tháng trước",
    ]


def test_nav_entry_follows_the_permission(users: dict[str, Any]) -> None:
    label = f'href="{url("meeting_list")}"'
    assert label in client_for(users["cadre_a"]).get("/").content.decode()
    assert label not in client_for(users["nobody"]).get("/").content.decode()
    # a member (self-only role, no meetings permission) gets the entry once she is invited
    member = client_for(users["member"])
    assert label not in member.get("/").content.decode()
    meeting = services.meeting_create(
        actor=None, unit=users["member"].role_assignments.first().unit, title="Sinh hoạt chi hội",
        starts_at=timezone.now(),
    )  # fmt: skip
    services.participants_add(actor=None, meeting=meeting, users=[users["member"]])
    assert label in member.get("/").content.decode()
    assert member.get(url("meeting_list")).status_code == 200


# --- follow-up tasks -------------------------------------------------------------------------


def test_task_list_scope_overdue_and_status(users: dict[str, Any], tree: Tree) -> None:
    meeting = services.meeting_create(
        actor=None, unit=tree.province, title="Ban Thường vụ", starts_at=timezone.now()
    )
    conclusion = services.conclusion_add(actor=None, meeting=meeting, text="Giao nhiệm vụ")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    def task(unit: Any, title: str, deadline: dt.date | None = None, c: Any = conclusion) -> Any:
        return services.followup_add(
            actor=None, conclusion=c, owner_unit=unit, title=title, deadline=deadline
        )

    late = task(tree.commune_a, "Báo cáo chuyển đổi số", yesterday)
    task(tree.chapter_a1, "Rà soát hội viên")
    other = task(tree.commune_b, "Việc của Đại Từ")
    secret = services.meeting_create(
        actor=None, unit=tree.province, title="Họp mật", starts_at=timezone.now(), secret=True
    )
    hidden = services.conclusion_add(actor=None, meeting=secret, text="Mật")
    task(tree.commune_a, "Việc của cuộc họp mật", c=hidden)

    cadre = client_for(users["cadre_a"])
    r = cadre.get(url("task_list"))
    shown = [row["task"].title for row in r.context["rows"]]
    assert shown == ["Báo cáo chuyển đổi số", "Rà soát hội viên"]
    assert [row["overdue"] for row in r.context["rows"]] == [True, False]
    assert 'data-overdue="1"' in r.content.decode()
    assert [
        row["task"].title for row in cadre.get(url("task_list"), {"overdue": "on"}).context["rows"]
    ] == ["Báo cáo chuyển đổi số"]
    # status change in scope; another commune's task is out of sight
    r = cadre.post(url("task_status", late.pk), {"status": "done", "next": url("task_list")})
    assert r.status_code == 302
    late.refresh_from_db()
    assert late.status == "done" and late.done_at is not None
    assert cadre.post(url("task_status", other.pk), {"status": "done"}).status_code == 404
    assert cadre.get(url("task_list"), {"status": "done"}).context["rows"][0]["task"] == late
    # the province sees every commune's, still not the secret meeting's
    everything = client_for(users["province_cadre"]).get(url("task_list")).context["rows"]
    assert {row["task"].title for row in everything} == {
        "Báo cáo chuyển đổi số",
        "Rà soát hội viên",
        "Việc của Đại Từ",
    }
    assert client_for(users["nobody"]).get(url("task_list")).status_code == 403
    assert FollowUpTask.objects.count() == 4


def test_conclusion_and_task_from_the_meeting_page(room: Room) -> None:
    client = client_for(room.chair)
    r = client.post(
        url("conclusion_add", room.meeting.pk),
        {"conclusion-text": "Các xã hoàn thành báo cáo", "conclusion-item": room.item1.pk},
    )
    assert r.status_code == 302
    conclusion = room.meeting.conclusions.get()
    add = url("task_add", room.meeting.pk, conclusion.pk)
    r = client.post(
        add, {"task-title": "Nộp báo cáo", "task-owner_unit": "NOPE", "task-remind_days_before": 3}
    )
    assert r.status_code == 200 and list(form_errors(r, "task_form")) == ["owner_unit"]
    r = client.post(
        add,
        {
            "task-title": "Nộp báo cáo",
            "task-owner_unit": "TN-PHOYEN",
            "task-deadline": "2026-06-30",
            "task-remind_days_before": 5,
        },
    )
    assert r.status_code == 302
    task = FollowUpTask.objects.get()
    assert task.owner_unit.code == "TN-PHOYEN" and task.deadline == dt.date(2026, 6, 30)
    assert task.remind_days_before == 5


def test_open_goes_to_the_live_room(room: Room) -> None:
    client = client_for(room.chair)
    r = client.post(url("meeting_open", room.meeting.pk))
    assert r.status_code == 302 and r["Location"] == url("room", room.meeting.pk)
    room.meeting.refresh_from_db()
    assert room.meeting.state == "open"
    # a delegate cannot close it
    assert client_for(room.delegate).post(url("meeting_close", room.meeting.pk)).status_code == 403


# --- query budgets ---------------------------------------------------------------------------


def full_room(room: Room, more_items: int = 0) -> None:
    """Documents, a vote, a conclusion with a task, more items and people: the page's costs."""
    from tests.conftest import make_user

    chair, meeting = room.chair, room.meeting
    for n in range(2):
        services.item_document_add(
            actor=chair,
            item=room.item1,
            title=f"Dự thảo {n}",
            file=SimpleUploadedFile(f"d{n}.pdf", b"%PDF-1.4"),
        )
    for n in range(more_items):
        services.agenda_item_add(actor=chair, meeting=meeting, title=f"Mục {n}", parent=room.item2)
    extra = [make_user(f"khach{n}", None, None, full_name=f"Khách {n}") for n in range(more_items)]
    services.participants_add(actor=chair, meeting=meeting, users=extra, site=room.site_a)
    services.vote_create(actor=chair, meeting=meeting, question="Tán thành?", item=room.item2)
    c = services.conclusion_add(actor=chair, meeting=meeting, text="Giao nhiệm vụ")
    services.followup_add(actor=chair, conclusion=c, owner_unit=room.site_a.unit, title="Báo cáo")
    for n in range(more_items):  # more meetings she is invited to, for the list
        services.meeting_create(
            actor=None, unit=meeting.unit, title=f"Họp {n}", starts_at=timezone.now(), chair=chair
        )


@pytest.mark.parametrize("size", [0, 8])
def test_meeting_page_and_list_stay_within_a_query_budget(
    room: Room, size: int, settings: Any, tmp_path: Any, django_assert_max_num_queries: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    full_room(room, more_items=size)
    client = client_for(room.chair)
    client.get(url("meeting_detail", room.meeting.pk))  # warm the scope cache
    with django_assert_max_num_queries(30):
        html = client.get(url("meeting_detail", room.meeting.pk)).content.decode()
    for doc in ItemDocument.objects.filter(item=room.item1):
        assert f'href="{url("document_view", room.meeting.pk, doc.pk)}"' in html
    with django_assert_max_num_queries(8):
        page = client.get(url("meeting_list"))
    assert len(page.context["meetings"]) == 1 + size
    assert len(page.context["invitations"]) == 1 + size
