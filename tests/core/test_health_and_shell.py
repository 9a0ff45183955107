"""/healthz, the WebSocket stack, the UI shell: language, navigation, scope, assets."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
from channels.testing.websocket import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from config.asgi import application
from hoiso.core.management.commands.run_worker import beat
from hoiso.core.models import WorkerHeartbeat
from tests.conftest import client_for


def test_healthz_fails_without_a_worker_and_passes_with_one(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert body["checks"]["worker"]["ok"] is False
    beat("test-worker")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(minutes=10))
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db(transaction=True)
def test_websocket_refuses_anonymous_and_answers_users():
    from django.test import Client

    from hoiso.accounts.services import user_create

    user = user_create(actor=None, username="ws", password="Hs-test-2026!x")
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    origin = (b"origin", b"http://127.0.0.1")

    async def scenario() -> None:
        anonymous = WebsocketCommunicator(application, "/ws/ping/", headers=[origin])
        connected, _code = await anonymous.connect()
        assert not connected
        await anonymous.disconnect()
        member = WebsocketCommunicator(
            application, "/ws/ping/", headers=[origin, (b"cookie", f"sessionid={cookie}".encode())]
        )
        connected, _code = await member.connect()
        assert connected
        await member.send_json_to({"type": "ping"})
        assert await member.receive_json_from() == {"type": "pong"}
        await member.disconnect()

    # A fresh thread with its own loop: Playwright's sync API may hold a loop in this one.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_vietnamese_by_default_english_switchable(users):
    client = client_for(users["cadre_a"])
    page = client.get(reverse("org:unit_tree")).content.decode()
    assert 'lang="vi"' in page and "Cây tổ chức" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/org/"})
    page = client.get(reverse("org:unit_tree")).content.decode()
    assert 'lang="en"' in page and "Organisation tree" in page


def test_navigation_shows_only_permitted_modules_and_the_scope(users):
    page = client_for(users["chapter_a1"]).get(reverse("core:home")).content.decode()
    assert reverse("org:unit_tree") in page
    assert reverse("core:audit_list") not in page and reverse("accounts:user_list") not in page
    assert "Chi hội Tổ dân phố 1" in page  # her unit is always visible
    page = client_for(users["leader"]).get(reverse("core:home")).content.decode()
    assert reverse("core:audit_list") in page


def test_dates_are_dd_mm_yyyy(users, tree):
    page = (
        client_for(users["admin"])
        .get(reverse("org:unit_detail", args=[tree.commune_a.code]))
        .content.decode()
    )
    assert "01/01/2020" in page


def test_no_asset_comes_from_outside(users):
    page = client_for(users["admin"]).get(reverse("org:unit_tree")).content.decode()
    import re

    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")), url
