"""notify_users: in-app rows, e-mail through Django's mail, adapters, dedupe, failures."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from hoiso.notifications.models import Delivery, Notification
from hoiso.notifications.services import notify_users
from tests.notifications import failing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels(settings: Any) -> None:
    settings.NOTIFICATION_CHANNELS = ["inapp", "email"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://hoiso.example.vn"
    failing.SENT.clear()


def send(users: list[Any], key: str = "k1", **kw: Any) -> list[Notification]:
    return notify_users(
        users,
        kind=kw.pop("kind", "test.event"),
        title=kw.pop("title", "Mời họp"),
        body=kw.pop("body", "Giao ban tháng 3"),
        url=kw.pop("url", "/meetings/1/"),
        key=key,
        **kw,
    )


def test_inapp_row_and_email(users, django_capture_on_commit_callbacks):
    cadre = users["cadre_a"]
    cadre.email = "hoa@example.vn"
    cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        created = send([cadre, users["leader"]])
    assert {n.recipient for n in created} == {cadre, users["leader"]}
    note = Notification.objects.get(recipient=cadre)
    assert (note.kind, note.title, note.url, note.read_at) == (
        "test.event",
        "Mời họp",
        "/meetings/1/",
        None,
    )
    # one mail: the leader has no address and is recorded as skipped, not failed
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa@example.vn"] and message.subject == "Mời họp"
    assert "Giao ban tháng 3" in message.body
    assert "https://hoiso.example.vn/meetings/1/" in message.body
    states = dict(Delivery.objects.values_list("notification__recipient__username", "state"))
    assert states == {"canbo_phoyen": "sent", "lanhdao_tinh": "skipped"}


def test_same_key_twice_sends_once(users, django_capture_on_commit_callbacks):
    cadre = users["cadre_a"]
    cadre.email = "hoa@example.vn"
    cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = send([cadre], key="meeting.remind:1:24")
        again = send([cadre, cadre], key="meeting.remind:1:24")
        other = send([cadre], key="meeting.remind:1:1")
    assert len(first) == 1 and again == [] and len(other) == 1
    assert Notification.objects.filter(recipient=cadre).count() == 2
    assert len(mail.outbox) == 2


def test_a_failing_channel_keeps_the_inapp_row_and_the_others(
    users, settings, django_capture_on_commit_callbacks, caplog
):
    settings.NOTIFICATION_CHANNELS = [
        "inapp",
        "tests.notifications.failing.BrokenChannel",
        "email",
        "tests.notifications.failing.RecordingChannel",
    ]
    cadre = users["cadre_a"]
    cadre.email = "hoa@example.vn"
    cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        created = send([cadre])
    assert Notification.objects.filter(pk=created[0].pk).exists()
    rows = {d.channel: d for d in Delivery.objects.filter(notification=created[0])}
    assert rows["broken"].state == "failed" and "gateway down" in rows["broken"].error
    assert rows["email"].state == "sent" and rows["recording"].state == "sent"
    assert len(mail.outbox) == 1 and failing.SENT == [("canbo_phoyen", "Mời họp")]
    assert "channel broken failed" in caplog.text


def test_inapp_only_sends_no_mail(users, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = ["inapp"]
    users["cadre_a"].email = "hoa@example.vn"
    users["cadre_a"].save()
    with django_capture_on_commit_callbacks(execute=True):
        send([users["cadre_a"]])
    assert Notification.objects.count() == 1
    assert mail.outbox == [] and not Delivery.objects.exists()


def test_inactive_users_are_skipped(users):
    users["cadre_b"].is_active = False
    users["cadre_b"].save()
    assert [n.recipient for n in send([users["cadre_b"], users["cadre_a"]])] == [users["cadre_a"]]


def test_channels_run_after_commit_only(users, django_capture_on_commit_callbacks):
    users["cadre_a"].email = "hoa@example.vn"
    users["cadre_a"].save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send([users["cadre_a"]])
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
