"""The bell, the list, marking read (pages and API): each user reaches her own only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hoiso.notifications.models import Notification
from hoiso.notifications.services import notify_users
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def note(user: Any, key: str, title: str = "Phiếu lấy ý kiến sắp hết hạn") -> Notification:
    return notify_users([user], kind="test", title=title, url="/meetings/3/opinions/4/", key=key)[0]


def test_bell_shows_the_unread_count(users):
    cadre = users["cadre_a"]
    note(cadre, "a")
    note(cadre, "b")
    n = note(cadre, "c")
    n.read_at = n.created_at
    n.save()
    note(users["cadre_b"], "a")
    client = client_for(cadre)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("core:home")).content.decode()
    # the bell costs one count of the unread rows
    bell = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(bell) == 1 and "COUNT" in bell[0].upper()
    assert 'data-testid="bell"' in page
    assert '<span class="chip">2</span>' in page
    # then from the cache, until a new notification or a read changes it
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("core:home"))
    assert not [q for q in queries.captured_queries if "notifications_notif" in q["sql"]]
    note(cadre, "d")
    assert '<span class="chip">3</span>' in client.get(reverse("core:home")).content.decode()
    client.post(reverse("notifications:notification_read_all"))
    assert (
        'class="chip">'
        not in client.get(reverse("core:home"))
        .content.decode()
        .split('data-testid="bell"')[1]
        .split("</a>")[0]
    )


def test_list_shows_own_notifications_only(users):
    note(users["cadre_a"], "a", "Của tôi")
    note(users["cadre_b"], "a", "Của người khác")
    page = client_for(users["cadre_a"]).get(reverse("notifications:notification_list"))
    text = page.content.decode()
    assert "Của tôi" in text and "Của người khác" not in text


def test_mark_read_then_open(users):
    n = note(users["cadre_a"], "a")
    client = client_for(users["cadre_a"])
    response = client.post(reverse("notifications:notification_read", args=[n.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/meetings/3/opinions/4/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_never_redirects_off_site(users):
    n = notify_users([users["cadre_a"]], kind="t", title="x", url="https://evil.example", key="e")[
        0
    ]
    response = client_for(users["cadre_a"]).post(
        reverse("notifications:notification_read", args=[n.pk]), {"open": "1"}
    )
    assert response["Location"] == reverse("notifications:notification_list")


def test_someone_elses_notification_is_404(users):
    other = note(users["cadre_b"], "a")
    client = client_for(users["cadre_a"])
    assert (
        client.post(reverse("notifications:notification_read", args=[other.pk])).status_code == 404
    )
    api = client.post(reverse("api:notification_read", args=[other.pk]))
    assert api.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_all_touches_own_only(users):
    note(users["cadre_a"], "a")
    note(users["cadre_a"], "b")
    theirs = note(users["cadre_b"], "a")
    client = client_for(users["cadre_a"])
    data = client.post(reverse("api:notification_read_all")).json()
    assert data == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_list_pages_and_filters(users):
    cadre = users["cadre_a"]
    made = [note(cadre, f"k{i}", f"Thông báo {i}") for i in range(5)]
    client_for(cadre).post(reverse("api:notification_read", args=[made[0].pk]))
    client = client_for(cadre)
    first = client.get(reverse("api:notification_list") + "?limit=3").json()
    assert first["unread"] == 4
    assert [i["title"] for i in first["items"]] == ["Thông báo 4", "Thông báo 3", "Thông báo 2"]
    rest = client.get(reverse("api:notification_list") + f"?limit=3&after={first['next']}").json()
    assert [i["title"] for i in rest["items"]] == ["Thông báo 1", "Thông báo 0"]
    assert rest["next"] is None
    unread = client.get(reverse("api:notification_list") + "?unread=true").json()
    assert len(unread["items"]) == 4
