"""Video: the per-user Jitsi token (room, moderator, expiry), and video off without a server or
for a secret meeting."""

from __future__ import annotations

import time

import jwt
import pytest

from hoiso.meetings import services, video
from tests.conftest import client_for
from tests.meetings.conftest import build_room

SECRET = "bi-mat-chung-cua-may-chu-jitsi-0123456789"


@pytest.fixture
def jitsi(settings):
    settings.JITSI_URL = "https://hop.hoiso.example/"
    settings.JITSI_APP_ID = "hoiso"
    settings.JITSI_SECRET = SECRET
    settings.JITSI_TOKEN_MINUTES = 90
    return settings


def decode(token: str) -> dict:
    return jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="hoiso"
    )  # fmt: skip


def test_chair_token_binds_the_room_and_moderates(tree, users, jitsi):
    room = build_room(tree, users)
    info = video.join_info(room.chair, room.meeting)
    assert info.enabled and info.provider == "jitsi" and info.moderator
    assert info.server_url == "https://hop.hoiso.example" and info.domain == "hop.hoiso.example"
    assert info.room == room.meeting.video_room
    claims = decode(info.token)
    assert claims["room"] == room.meeting.video_room
    assert claims["sub"] == "hop.hoiso.example"
    assert claims["context"]["user"] == {
        "id": str(room.chair.pk),
        "name": "Lãnh đạo Tỉnh",
        "email": room.chair.email,
        "moderator": True,
        "affiliation": "owner",
    }
    assert claims["moderator"] is True
    assert 89 * 60 <= claims["exp"] - time.time() <= 90 * 60 + 5
    # a token signed with another secret does not verify
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(info.token, "khac" * 10, algorithms=["HS256"], audience="jitsi")


def test_delegate_is_not_moderator_secretary_is(tree, users, jitsi):
    room = build_room(tree, users)
    claims = decode(video.join_info(room.delegate, room.meeting).token)
    assert claims["moderator"] is False
    assert claims["context"]["user"]["moderator"] is False
    assert claims["context"]["user"]["name"] == "Đỗ Thị Bình"
    # the secretary moderates, and so does an organiser (change permission at the host unit)
    services.participant_update(actor=room.chair, participant=room.p(room.remote), role="secretary")
    assert decode(video.join_info(room.remote, room.meeting).token)["moderator"] is True
    assert decode(video.join_info(users["province_cadre"], room.meeting).token)["moderator"]


def test_secret_meeting_has_no_room(tree, users, jitsi):
    room = build_room(tree, users, secret=True)
    info = video.join_info(room.chair, room.meeting)
    assert not info.enabled and info.room == "" and info.token is None
    assert info.reason  # says why


@pytest.mark.parametrize("unset", ["JITSI_URL", "JITSI_SECRET"])
def test_unset_settings_video_off(tree, users, jitsi, unset):
    setattr(jitsi, unset, "")
    room = build_room(tree, users)
    info = video.join_info(room.chair, room.meeting)
    assert not info.enabled and info.token is None and info.room == ""
    assert info.reason


def test_api_video_for_participants_only(tree, users, jitsi):
    room = build_room(tree, users)
    url = f"/api/v1/meetings/{room.meeting.pk}/video"
    r = client_for(room.remote).get(url)
    assert r.status_code == 200
    body = r.json()
    assert body["enabled"] and body["room"] == room.meeting.video_room
    assert decode(body["token"])["context"]["user"]["id"] == str(room.remote.pk)
    assert body["moderator"] is False
    # sees the meeting (province scope) but does not sit in it
    assert client_for(users["admin"]).get(url).status_code == 403
    assert client_for(users["nobody"]).get(url).status_code == 403


def test_api_video_off_says_why(tree, users, settings):
    settings.JITSI_URL = ""
    room = build_room(tree, users)
    r = client_for(room.chair).get(f"/api/v1/meetings/{room.meeting.pk}/video")
    assert r.status_code == 200
    assert r.json()["enabled"] is False
    assert r.json()["token"] is None and r.json()["reason"]
