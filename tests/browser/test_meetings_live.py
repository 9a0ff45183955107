"""The live room in real browsers: a chair and two participants, each in a browser context of
her own (one on a 360-px phone), on the project's ASGI app under uvicorn (HTTP and WebSocket).

Django's live_server fixture is WSGI (no WebSocket), so this file runs its own server: a file
SQLite database in a temporary directory is migrated and filled (the meeting of
tests/meetings/conftest.py, opened, with a prepared vote) by subprocesses, then
``uvicorn config.asgi:application`` serves it on a free port with the in-memory channel layer.
The browsers carry session cookies made on that database (no login form).

The chair moves the agenda and opens a vote; both participants see it without reloading and
vote; the chair sees the count move and, after closing, the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.meetings.test_redis import ROOT, _stop, _wait_port, free_port

PY = sys.executable


def _prepare() -> None:
    """Run in a subprocess on the migrated file database: prints the room's ids and the
    session cookies of the chair and two participants as JSON."""
    import django

    django.setup()
    from types import SimpleNamespace

    from django.test import Client

    from hoiso.meetings import services
    from tests.conftest import make_unit, make_user
    from tests.meetings.conftest import build_room

    central = make_unit("TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None)
    province = make_unit("TN", "Hội LHPN tỉnh Thái Nguyên", "tinh", central)
    commune_a = make_unit("TN-PHOYEN", "Hội LHPN phường Phổ Yên", "xa", province)
    tree: Any = SimpleNamespace(province=province, commune_a=commune_a)
    users = {
        "leader": make_user("lanhdao_tinh", "leader", province, full_name="Lãnh đạo Tỉnh"),
        "province_cadre": make_user("canbo_tinh", "cadre", province, full_name="Cán bộ Tỉnh"),
        "cadre_a": make_user("canbo_phoyen", "cadre", commune_a, full_name="Nguyễn Thị Hoa"),
    }
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    vote = services.vote_create(
        actor=room.chair, meeting=room.meeting, question="Thông qua nghị quyết?", item=room.item2
    )

    def cookie(user: Any) -> str:
        client = Client()
        client.force_login(user)
        return str(client.cookies["sessionid"].value)

    print(
        json.dumps(
            {
                "meeting": room.meeting.pk,
                "item1": room.item1.pk,
                "item2": room.item2.pk,
                "vote": vote.pk,
                "chair": cookie(room.chair),
                "delegate": cookie(room.delegate),
                "remote": cookie(room.remote),
            }
        )
    )


@pytest.fixture
def asgi_room(tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], Path]]:
    """The ASGI app under uvicorn on a prepared file database: (base URL, room, log)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOISO_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",  # static files through the finders (WhiteNoise)
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    run: dict[str, Any] = {
        "cwd": ROOT,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 240,
    }
    done = subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], **run)
    assert done.returncode == 0, done.stderr
    code = "from tests.browser.test_meetings_live import _prepare; _prepare()"
    done = subprocess.run([PY, "-c", code], **run)
    assert done.returncode == 0, done.stderr
    room = json.loads(done.stdout.strip().splitlines()[-1])
    port = free_port()
    log = tmp_path / "uvicorn.log"
    argv = [PY, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        _wait_port(port, proc, f"uvicorn on port {port}")
        yield f"http://127.0.0.1:{port}", room, log
    finally:
        _stop(proc)


def _open(browser: Any, base: str, session: str, path: str, *, phone: bool = False) -> Any:
    if phone:
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
        )
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())  # "close this vote?"
    page.goto(base + path)
    # the socket is up (room.js marks the room) before anyone acts
    page.locator("#room[data-conn=live]").wait_for()
    # a marker that a reload would lose: what follows must arrive without one
    page.evaluate("window.__notReloaded = true")
    return page


def test_chair_moves_the_agenda_opens_a_vote_participants_vote_chair_sees_result(
    browser: Any, asgi_room: tuple[str, dict[str, Any], Path]
) -> None:
    base, room, log = asgi_room
    path = f"/meetings/{room['meeting']}/room/"
    item2, vote = room["item2"], room["vote"]
    try:
        chair = _open(browser, base, room["chair"], path)
        delegate = _open(browser, base, room["delegate"], path)
        phone = _open(browser, base, room["remote"], path, phone=True)
        for page in (delegate, phone):
            assert page.locator("[data-testid=current-item]").get_attribute("data-item") == str(
                room["item1"]
            )
            assert page.locator(f"[data-testid=set-current-{item2}]").count() == 0

        # the chair moves the agenda: both participants follow without reloading
        chair.click(f"[data-testid=set-current-{item2}]")
        for page in (chair, delegate, phone):
            page.locator(f"[data-testid=current-item][data-item='{item2}']").wait_for()
            assert "Thông qua nghị quyết" in page.inner_text("[data-testid=current-item]")
            page.locator(f"[data-testid=agenda-item-{item2}].current").wait_for()

        # the chair opens the vote: the ballot appears on both participants' screens
        chair.click(f"[data-testid=vote-open-{vote}]")
        delegate.locator(f"[data-testid=ballot-{vote}]").wait_for()
        phone.locator(f"[data-testid=ballot-{vote}]").wait_for()
        chair.locator(f"[data-testid=voted-{vote}]:text-is('0')").wait_for()

        delegate.click(f"[data-testid=ballot-{vote}] [data-testid=cast-agree]")
        delegate.locator("[data-testid=my-ballot]").wait_for()
        chair.locator(f"[data-testid=voted-{vote}]:text-is('1')").wait_for()
        phone.locator(f"[data-testid=voted-{vote}]:text-is('1')").wait_for()

        phone.click(f"[data-testid=ballot-{vote}] [data-testid=cast-disagree]")
        phone.locator("[data-testid=my-ballot]").wait_for()
        chair.locator(f"[data-testid=voted-{vote}]:text-is('2')").wait_for()
        # the chair's running tally (open ballot) moved with the ballots
        tally = chair.locator(f"[data-testid=result-{vote}]")
        tally.locator("td[data-choice=agree]:text-is('1')").wait_for()
        tally.locator("td[data-choice=disagree]:text-is('1')").wait_for()

        # the chair shows the result to everyone and closes the vote
        chair.click(f"[data-testid=vote-results-{vote}]")
        chair.click(f"[data-testid=vote-close-{vote}]")
        chair.locator(f"[data-testid=vote-{vote}][data-state=closed]").wait_for()
        result = chair.locator(f"[data-testid=result-{vote}]")
        assert result.locator("td[data-choice=agree]").inner_text() == "1"
        assert result.locator("td[data-choice=disagree]").inner_text() == "1"
        assert result.locator("td[data-choice=abstain]").inner_text() == "0"
        for page in (delegate, phone):
            page.locator(f"[data-testid=vote-{vote}][data-state=closed]").wait_for()
            shown = page.locator(f"[data-testid=result-{vote}]")
            shown.locator("td[data-choice=agree]:text-is('1')").wait_for()

        for page in (chair, delegate, phone):
            assert page.evaluate("window.__notReloaded") is True
        # the phone's page fits 360 px: nothing scrolls sideways
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    except BaseException:
        print(f"--- uvicorn:\n{log.read_text()[-4000:]}")
        raise
