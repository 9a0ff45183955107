"""The live room in real browsers: a chair and two participants, each in a browser context of
her own (one on a 360-px phone), on the project's ASGI app under uvicorn (HTTP and WebSocket).

Django's live_server fixture is WSGI (no WebSocket), so this file runs its own server: a file
SQLite database in a temporary directory is migrated and filled (the meeting of
tests/meetings/conftest.py, opened, with a prepared vote) by subprocesses, then
``uvicorn config.asgi:application`` serves it on a free port with the in-memory channel layer
(tests/asgi_server.py).
The browsers carry session cookies made on that database (no login form).

The chair moves the agenda and opens a vote; both participants see it without reloading and
vote; the chair sees the count move and, after closing, the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.asgi_server import file_db_env, prepare_room, serve


@pytest.fixture
def asgi_room(tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], Path]]:
    """The ASGI app under uvicorn on a prepared file database: (base URL, room, log)."""
    env = file_db_env(tmp_path, DEBUG="1")  # DEBUG: static files through the finders (WhiteNoise)
    room = prepare_room(env)
    with serve(env, tmp_path / "uvicorn.log") as (app,):
        yield app.url(), room, app.log


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
