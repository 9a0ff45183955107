"""The live room's pages: each part as the chair and as a participant sees it, the actions, the
video panel, the attendance board, the QR page and the QR check-in (tests/meetings/conftest.py
builds the meeting: a province hub and commune A's site)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from hoiso.core.models import AuditLog
from hoiso.meetings import services
from hoiso.meetings.models import Attendance, Ballot, Participant, SpeakingState, Vote
from hoiso.meetings.views.live import qr_svg
from tests.conftest import client_for
from tests.meetings.conftest import Room, build_room, says


def part(user: Any, room: Room, name: str, **query: Any) -> str:
    url = reverse(f"meetings:room_{name}", args=[room.meeting.pk])
    response = client_for(user).get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def act(user: Any, room: Room, json: bool = True, **data: Any) -> Any:
    url = reverse("meetings:room_act", args=[room.meeting.pk])
    headers = {"Accept": "application/json"} if json else {}
    return client_for(user).post(url, data, headers=headers)


def has_id(html: str, name: str) -> bool:
    return f'data-testid="{name}"' in html


@pytest.fixture
def live(room: Room) -> Room:
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    room.meeting.refresh_from_db()
    return room


def guest_in(room: Room) -> Any:
    from tests.conftest import make_user

    guest = make_user("khach1", None, None, full_name="Khách Mời")
    services.participants_add(
        actor=room.chair, meeting=room.meeting, users=[guest], site=room.hub, role="guest"
    )
    services.attendance_mark(actor=room.chair, participant=room.p(guest), attendance="in_person")
    return guest


# --- the parts -------------------------------------------------------------------------------


def test_state_console_for_the_chair_attendance_for_a_participant(room: Room) -> None:
    chair = part(room.chair, room, "state")
    assert has_id(chair, "meeting-open") and not has_id(chair, "meeting-close")
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    chair = part(room.chair, room, "state")
    assert has_id(chair, "meeting-close") and not has_id(chair, "meeting-open")
    assert f'data-item="{room.item1.pk}"' in chair and "Báo cáo kết quả quý I" in chair

    delegate = part(room.delegate, room, "state")
    assert not has_id(delegate, "meeting-close") and not has_id(delegate, "meeting-open")
    assert 'data-testid="my-attendance" data-attendance="in_person"' in delegate
    absent = part(room.absent, room, "state")
    assert 'data-attendance="absent"' in absent and "Ốm" in absent
    # an organiser looking on through her scope: no console, not a participant
    onlooker = part(room.lead_a, room, "state")
    assert 'data-attendance="in_person"' in onlooker


def test_agenda_the_chair_moves_it_a_participant_browses_it(live: Room) -> None:
    chair = part(live.chair, live, "agenda")
    assert has_id(chair, f"set-current-{live.item2.pk}")
    assert not has_id(chair, f"set-current-{live.item1.pk}")  # already current
    assert re.search(rf'class="agenda-row current"[^>]*data-item="{live.item1.pk}"', chair)

    delegate = part(live.delegate, live, "agenda")
    assert "set-current" not in delegate
    assert f'href="/meetings/{live.meeting.pk}/room/?item={live.item2.pk}"' in delegate
    browsing = part(live.delegate, live, "agenda", item=live.item2.pk)
    assert re.search(rf'class="agenda-row viewed"[^>]*data-item="{live.item2.pk}"', browsing)
    # the chair's item keeps its mark while she browses
    assert re.search(rf'class="agenda-row current"[^>]*data-item="{live.item1.pk}"', browsing)


def pdf(pages: int) -> bytes:
    import io

    from PIL import Image

    images = [Image.new("RGB", (200, 280), (255, 255, 255)) for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def _document(room: Room, tmp_path: Any, settings: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    return services.item_document_add(
        actor=room.chair,
        item=room.item1,
        title="Dự thảo báo cáo",
        file=SimpleUploadedFile("bao-cao.pdf", pdf(4)),
    )


def test_document_the_chair_shows_a_page_participants_follow_or_browse(
    live: Room, tmp_path: Any, settings: Any
) -> None:
    doc = _document(live, tmp_path, settings)
    chair = part(live.chair, live, "document")
    assert has_id(chair, "doc-none") and has_id(chair, f"show-{doc.pk}")

    response = act(live.chair, live, action="show", document=doc.pk, page=3)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert set(response.json()["refresh"]) == {"state", "document"}
    live.meeting.refresh_from_db()
    assert (live.meeting.shown_document_id, live.meeting.shown_page) == (doc.pk, 3)

    chair = part(live.chair, live, "document")
    assert f'data-testid="doc-shown" data-document="{doc.pk}" data-page="3"' in chair
    assert has_id(chair, "page-prev") and has_id(chair, "page-next") and has_id(chair, "show-stop")
    assert gettext("page %(page)s of %(pages)s") % {"page": 3, "pages": 4} in chair
    delegate = part(live.delegate, live, "document")
    assert f'data-document="{doc.pk}" data-page="3"' in delegate
    # the page itself, as the viewer renders it
    image = f"/meetings/{live.meeting.pk}/documents/{doc.pk}/pages/3.png"
    assert f'src="{image}?w=1000"' in delegate
    assert client_for(live.delegate).get(image).status_code == 200
    assert "Dự thảo báo cáo" in delegate
    assert not has_id(delegate, "show-stop") and gettext("you are browsing") not in delegate
    # browsing: her own page, marked as such, the chair's page untouched
    own = part(live.delegate, live, "document", document=doc.pk, page=9)
    assert 'data-page="4"' in own and gettext("you are browsing") in own  # the last page
    assert not has_id(own, "page-next")
    live.meeting.refresh_from_db()
    assert live.meeting.shown_page == 3
    # an uploaded file of a meeting is not linked raw (no download path for the media file)
    assert "bao-cao.pdf" not in delegate

    assert act(live.chair, live, action="show").json()["ok"] is True
    assert has_id(part(live.delegate, live, "document"), "doc-none")


def test_speakers_raise_withdraw_grant_start_stop(live: Room) -> None:
    delegate = part(live.delegate, live, "speakers")
    assert has_id(delegate, "hand-raise")
    assert act(live.delegate, live, action="hand_raise").json()["ok"] is True
    request = live.p(live.delegate).speaking_requests.get()
    delegate = part(live.delegate, live, "speakers")
    assert 'data-testid="my-request" data-state="raised"' in delegate
    assert has_id(delegate, "hand-withdraw") and not has_id(delegate, "hand-raise")
    assert not has_id(delegate, f"grant-{request.pk}")
    chair = part(live.chair, live, "speakers")
    assert has_id(chair, f"grant-{request.pk}") and has_id(chair, f"start-{request.pk}")

    # a participant cannot give the floor
    refused = act(live.delegate, live, action="grant", request=request.pk)
    assert refused.status_code == 403 and refused.json()["ok"] is False

    assert act(live.chair, live, action="start", request=request.pk).json()["ok"] is True
    chair = part(live.chair, live, "speakers")
    assert has_id(chair, "speaking") and has_id(chair, "countdown") and has_id(chair, "stop")
    assert 'data-default="180"' in chair  # 3 minutes per speech unless the chair changes it
    delegate = part(live.delegate, live, "speakers")
    assert "data-elapsed" in delegate and "data-countdown" not in delegate
    assert 'data-state="speaking"' in delegate

    assert act(live.chair, live, action="stop", request=request.pk).json()["ok"] is True
    request.refresh_from_db()
    assert request.state == SpeakingState.DONE and request.duration_seconds is not None
    assert has_id(part(live.chair, live, "speakers"), "speaking-totals")

    # someone absent may not raise her hand: the form is not offered, a post is refused
    absent = part(live.absent, live, "speakers")
    assert not has_id(absent, "hand-raise")
    refused = act(live.absent, live, action="hand_raise")
    assert refused.status_code == 422
    assert re.search(says("Only participants marked present may ask for the floor."),
                     refused.json()["message"])  # fmt: skip


def test_votes_console_ballots_progress_and_results(live: Room) -> None:
    vote = services.vote_create(actor=live.chair, meeting=live.meeting, question="Tán thành?")
    chair = part(live.chair, live, "votes")
    assert has_id(chair, f"vote-open-{vote.pk}")
    assert f'data-testid="vote-{vote.pk}"' not in part(live.delegate, live, "votes")  # prepared

    assert act(live.chair, live, action="vote_open", vote=vote.pk).json()["refresh"] == ["votes"]
    delegate = part(live.delegate, live, "votes")
    assert has_id(delegate, f"ballot-{vote.pk}") and has_id(delegate, "cast-agree")
    assert not has_id(delegate, f"result-{vote.pk}")  # results not shown to participants
    assert not has_id(delegate, f"vote-close-{vote.pk}")
    absent = part(live.absent, live, "votes")
    assert not has_id(absent, f"ballot-{vote.pk}") and has_id(absent, "cannot-vote")
    guest = guest_in(live)
    assert has_id(part(guest, live, "votes"), "cannot-vote")

    assert act(live.delegate, live, action="vote_cast", vote=vote.pk, choice="agree").json()["ok"]
    again = act(live.delegate, live, action="vote_cast", vote=vote.pk, choice="disagree")
    assert again.status_code == 422
    assert re.search(says("You have already voted."), again.json()["message"])
    assert Ballot.objects.get(vote=vote).choice == "agree"
    delegate = part(live.delegate, live, "votes")
    assert has_id(delegate, "my-ballot") and not has_id(delegate, f"ballot-{vote.pk}")
    chair = part(live.chair, live, "votes")
    assert re.search(rf'data-testid="voted-{vote.pk}">1<', chair)
    assert re.search(r'data-choice="agree">1<', chair)  # the chair's running tally

    assert act(live.chair, live, action="vote_results", vote=vote.pk, visible="1").json()["ok"]
    assert has_id(part(live.remote, live, "votes"), f"result-{vote.pk}")
    assert act(live.chair, live, action="vote_close", vote=vote.pk).json()["ok"]
    remote = part(live.remote, live, "votes")
    assert 'data-state="closed"' in remote and re.search(r'data-choice="agree">1<', remote)
    assert not has_id(remote, f"ballot-{vote.pk}")


def test_secret_vote_shows_no_tally_while_open(live: Room) -> None:
    vote = services.vote_create(
        actor=live.chair, meeting=live.meeting, question="Bầu?", secret=True, results_visible=True
    )
    services.vote_open(actor=live.chair, vote=vote)
    services.vote_cast(actor=live.delegate, vote=vote, choice="disagree")
    for user in (live.chair, live.delegate):
        html = part(user, live, "votes")
        assert not has_id(html, f"result-{vote.pk}") and "data-choice=" not in html
        assert re.search(rf'data-testid="voted-{vote.pk}">1<', html)
    assert "data-live-results" not in part(live.chair, live, "votes")
    services.vote_close(actor=live.chair, vote=vote)
    assert re.search(r'data-choice="disagree">1<', part(live.delegate, live, "votes"))


def test_closed_vote_result_only_for_the_chair_unless_shown(live: Room) -> None:
    vote = services.vote_create(actor=live.chair, meeting=live.meeting, question="Tán thành?")
    services.vote_open(actor=live.chair, vote=vote)
    services.vote_cast(actor=live.delegate, vote=vote, choice="agree")
    services.vote_close(actor=live.chair, vote=vote)
    assert has_id(part(live.chair, live, "votes"), f"result-{vote.pk}")
    assert not has_id(part(live.delegate, live, "votes"), f"result-{vote.pk}")


# --- actions without JavaScript and refusals -------------------------------------------------


def test_plain_form_posts_come_back_to_the_room_with_the_error(live: Room) -> None:
    client = client_for(live.chair)
    url = reverse("meetings:room_act", args=[live.meeting.pk])
    room_url = reverse("meetings:room", args=[live.meeting.pk])
    response = client.post(url, {"action": "set_current", "item": live.item2.pk})
    assert response.status_code == 302 and response["Location"] == room_url
    live.meeting.refresh_from_db()
    assert live.meeting.current_item_id == live.item2.pk

    vote = services.vote_create(actor=live.chair, meeting=live.meeting, question="Q?")
    services.vote_open(actor=live.chair, vote=vote)
    response = client.post(url, {"action": "close"}, follow=True)
    assert re.search(says("Close the open vote first."), response.content.decode())
    live.meeting.refresh_from_db()
    assert live.meeting.state == "open"
    # a participant's chair action: 403, nothing changed
    response = client_for(live.delegate).post(url, {"action": "set_current", "item": live.item1.pk})
    assert response.status_code == 403
    live.meeting.refresh_from_db()
    assert live.meeting.current_item_id == live.item2.pk
    # another meeting's item is not found in this one; an unknown action is refused
    other = build_other_item(live)
    response = act(live.chair, live, action="set_current", item=other.pk)
    assert response.status_code == 422
    assert act(live.chair, live, action="drop_tables").status_code == 422


def build_other_item(room: Room) -> Any:
    other = services.meeting_create(
        actor=None, unit=room.meeting.unit, title="Khác", starts_at=room.meeting.starts_at
    )
    return services.agenda_item_add(actor=None, meeting=other, title="Nội dung khác")


def test_an_outsider_gets_nothing(live: Room, users: dict[str, Any]) -> None:
    assert client_for(users["nobody"]).get(
        reverse("meetings:room_votes", args=[live.meeting.pk])
    ).status_code == 403  # fmt: skip
    assert act(users["nobody"], live, action="hand_raise").status_code == 403
    assert client_for(users["cadre_b"]).get(
        reverse("meetings:room", args=[live.meeting.pk])
    ).status_code == 404  # fmt: skip


# --- video and secrecy -----------------------------------------------------------------------


def test_video_off_says_why_and_jitsi_comes_from_its_own_server(live: Room, settings: Any) -> None:
    url = reverse("meetings:room", args=[live.meeting.pk])
    html = client_for(live.delegate).get(url).content.decode()
    assert has_id(html, "part-video") and has_id(html, "video-off")
    assert re.search(says("Video is off: no video server is configured."), html)

    settings.JITSI_URL = "https://hop.hoi.example.vn"
    settings.JITSI_SECRET = "s" * 32
    html = client_for(live.delegate).get(url).content.decode()
    assert 'data-script="https://hop.hoi.example.vn/external_api.js"' in html
    assert f'data-room="{live.meeting.video_room}"' in html
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert all(s.startswith("/static/") for s in scripts), scripts  # nothing from elsewhere


def test_secret_meeting_has_no_video_and_its_page_is_audited(
    tree: Any, users: dict[str, Any], settings: Any
) -> None:
    settings.JITSI_URL = "https://hop.hoi.example.vn"
    settings.JITSI_SECRET = "s" * 32
    room = build_room(tree, users, secret=True)
    before = AuditLog.objects.filter(action="meetings.meeting.view").count()
    html = client_for(room.delegate).get(reverse("meetings:room", args=[room.meeting.pk]))
    assert html.status_code == 200
    content = html.content.decode()
    assert not has_id(content, "part-video") and "external_api.js" not in content
    assert AuditLog.objects.filter(action="meetings.meeting.view").count() == before + 1
    part(room.delegate, room, "state")  # a re-fetch is not another view
    assert AuditLog.objects.filter(action="meetings.meeting.view").count() == before + 1
    # outsiders, the province admin included, do not see it
    response = client_for(users["admin"]).get(reverse("meetings:room", args=[room.meeting.pk]))
    assert response.status_code == 404


# --- the attendance board --------------------------------------------------------------------


def cells(html: str, row: str) -> dict[str, int]:
    found = re.search(rf'<tr data-testid="{row}".*?</tr>', html, re.S)
    assert found, row
    return {s: int(n) for s, n in re.findall(r'data-state="(\w+)">(\d+)<', found.group(0))}


def test_board_counts_per_site_and_in_total(room: Room) -> None:
    html = client_for(room.delegate).get(reverse("meetings:board", args=[room.meeting.pk]))
    content = html.content.decode()
    assert cells(content, f"site-{room.hub.pk}") == {
        "in_person": 2, "online": 0, "absent": 1, "not_checked": 0
    }  # fmt: skip
    assert cells(content, f"site-{room.site_a.pk}") == {
        "in_person": 1, "online": 1, "absent": 0, "not_checked": 0
    }  # fmt: skip
    assert cells(content, "board-total") == {
        "in_person": 3, "online": 1, "absent": 1, "not_checked": 0
    }  # fmt: skip
    # a plain participant sees the counts, not the people
    assert not has_id(content, "people")


def test_a_site_lead_marks_her_people_and_only_hers(room: Room) -> None:
    board = reverse("meetings:board", args=[room.meeting.pk])
    client = client_for(room.lead_a)
    html = client.get(board).content.decode()
    remote = room.p(room.remote)
    assert has_id(html, f"person-{remote.pk}")
    assert not has_id(html, f"person-{room.p(room.delegate).pk}")  # the hub's people

    mark = reverse("meetings:board_mark", args=[room.meeting.pk, remote.pk])
    response = client.post(mark, {"attendance": "in_person"})
    assert response.status_code == 302
    remote.refresh_from_db()
    assert remote.attendance == Attendance.IN_PERSON and remote.checked_in_by == room.lead_a
    html = client.get(reverse("meetings:board_part", args=[room.meeting.pk])).content.decode()
    assert cells(html, f"site-{room.site_a.pk}")["in_person"] == 2

    # absent needs a reason: the board comes back (htmx) with the error, nothing written
    response = client.post(mark, {"attendance": "absent", "reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and has_id(response.content.decode(), "mark-error")
    assert re.search(says("Give the reason for the absence."), response.content.decode())
    remote.refresh_from_db()
    assert remote.attendance == Attendance.IN_PERSON

    hub_person = room.p(room.delegate)
    mark_hub = reverse("meetings:board_mark", args=[room.meeting.pk, hub_person.pk])
    assert client.post(mark_hub, {"attendance": "absent", "reason": "Ốm"}).status_code == 403
    hub_person.refresh_from_db()
    assert hub_person.attendance == Attendance.IN_PERSON


def test_per_site_view_lists_that_site_only(room: Room) -> None:
    url = reverse("meetings:board", args=[room.meeting.pk])
    html = client_for(room.chair).get(url, {"site": room.site_a.pk}).content.decode()
    assert has_id(html, f"person-{room.p(room.remote).pk}")
    assert not has_id(html, f"person-{room.p(room.delegate).pk}")


# --- QR --------------------------------------------------------------------------------------


def test_qr_page_carries_the_check_in_url(room: Room) -> None:
    url = reverse("meetings:checkin_qr", args=[room.meeting.pk, room.site_a.pk])
    html = client_for(room.chair).get(url).content.decode()
    expected = f"http://testserver/meetings/checkin/{room.site_a.checkin_code}/"
    assert expected in html
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg and svg.group(0) == qr_svg(expected)
    # the same drawing as segno's code of that URL, not of another one
    assert qr_svg(expected) != qr_svg(expected.replace("checkin", "check"))

    # the site's lead prints her own site's page, not the hub's; a participant none
    assert client_for(room.lead_a).get(url).status_code == 200
    hub = reverse("meetings:checkin_qr", args=[room.meeting.pk, room.hub.pk])
    assert client_for(room.lead_a).get(hub).status_code == 403
    assert client_for(room.delegate).get(url).status_code == 403


def test_check_in_flow(room: Room) -> None:
    code = room.site_a.checkin_code
    url = reverse("meetings:checkin", args=[code])
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].endswith(f"?next={url}")

    client = client_for(room.absent)
    page = client.get(url)
    assert page.status_code == 200 and has_id(page.content.decode(), "checkin-confirm")
    assert room.site_a.name in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:room", args=[room.meeting.pk])
    me = room.p(room.absent)
    assert (me.attendance, me.site_id, me.absence_reason) == ("in_person", room.site_a.pk, "")
    assert has_id(client.get(url).content.decode(), "checkin-done")


def test_check_in_errors(room: Room, users: dict[str, Any]) -> None:
    wrong = client_for(room.delegate).get(reverse("meetings:checkin", args=["khong-dung"]))
    assert wrong.status_code == 404 and 'data-problem="code"' in wrong.content.decode()

    url = reverse("meetings:checkin", args=[room.hub.checkin_code])
    # the province admin sees the meeting but is not invited; "nobody" sees nothing
    for user in (users["admin"], users["nobody"]):
        response = client_for(user).get(url)
        assert (
            response.status_code == 403 and 'data-problem="outsider"' in response.content.decode()
        )
        assert client_for(user).post(url).status_code == 403
    # a meeting out of her sight: the same answer as a wrong code
    response = client_for(users["cadre_b"]).get(url)
    assert response.status_code == 404 and 'data-problem="code"' in response.content.decode()

    services.meeting_open(actor=room.chair, meeting=room.meeting)
    services.meeting_close(actor=room.chair, meeting=room.meeting)
    response = client_for(room.delegate).post(url)
    assert response.status_code == 410 and 'data-problem="closed"' in response.content.decode()
    assert Participant.objects.get(meeting=room.meeting, user=room.absent).attendance == "absent"


def test_vote_count_is_not_left_on_a_closed_meeting(live: Room) -> None:
    # closing the meeting refreshes every part; the votes part of a closed meeting shows no
    # console buttons
    vote = services.vote_create(actor=live.chair, meeting=live.meeting, question="Q?")
    assert act(live.chair, live, action="close").json()["refresh"] == [
        "state", "agenda", "document", "speakers", "votes"
    ]  # fmt: skip
    html = part(live.chair, live, "votes")
    assert not has_id(html, f"vote-open-{vote.pk}")
    assert Vote.objects.get(pk=vote.pk).state == "draft"
