"""Scale-out: with REDIS_URL set the Redis channel layer is used and two app processes share
one live room.

The two-process test starts a throwaway ``redis-server`` (no persistence, a free port, a temp
directory), prepares a file SQLite database in a temp directory (``manage.py migrate`` and
the room of tests/asgi_server.py, in subprocesses with the same environment), then runs the
project's ASGI app (config/asgi.py) under uvicorn twice, on two ports. A chair's action through
process 1 reaches a socket of process 2, and a vote cast through process 2 is counted in what
process 1 reports. Without redis-server the tests are skipped, except under CI=true where they
fail: CI installs it (scripts/system-deps.sh, group redis).
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.asgi_server import (
    ROOT,
    App,
    file_db_env,
    free_port,
    prepare_room,
    serve,
    stop,
    wait_port,
)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server: its URL. Skipped without redis-server, failed under CI."""
    exe = shutil.which("redis-server")
    if exe is None:
        message = "redis-server is not installed (scripts/system-deps.sh redis)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the Redis tests", pytrace=False)
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    argv = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(directory), "--logfile", str(directory / "redis.log")]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        wait_port(port, proc, "redis-server", timeout=20)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


# --- settings -------------------------------------------------------------------------------


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis: str | None) -> dict[str, Any]:
    """config/settings.py evaluated afresh with this environment (Django's own settings stay)."""
    monkeypatch.setenv("HOISO_VAR_DIR", str(tmp_path))
    if redis is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", redis)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_settings_choose_the_redis_layer_and_cache_when_redis_url_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "redis://10.0.0.5:6380/2"
    values = _settings(monkeypatch, tmp_path, url)
    layer = values["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert [host["address"] for host in layer["CONFIG"]["hosts"]] == [url]
    assert values["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
    }
    values = _settings(monkeypatch, tmp_path, None)
    layer = values["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "hoiso.meetings.layers.InMemoryChannelLayer"
    assert "Redis" not in values["CACHES"]["default"]["BACKEND"]


def test_the_redis_layer_of_the_settings_carries_a_message_after_a_quiet_while(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A socket waits for notices for minutes: the layer's blocking read must not time out
    (redis-py >= 8 cuts reads after 5 s by default; the layer's blocking pop waits 5 s)."""
    from channels_redis.core import RedisChannelLayer

    config = _settings(monkeypatch, tmp_path, redis_url)["CHANNEL_LAYERS"]["default"]["CONFIG"]

    async def scenario() -> dict[str, Any]:
        sender = RedisChannelLayer(**config)  # two layers: as two processes would
        receiver = RedisChannelLayer(**config)
        channel = await receiver.new_channel()
        await receiver.group_add("meeting.1", channel)
        waiting = asyncio.ensure_future(receiver.receive(channel))
        try:
            await asyncio.sleep(7)  # nothing to read for longer than both 5 s timeouts
            assert not waiting.done(), waiting.exception()
            await sender.group_send("meeting.1", {"type": "meeting.notice", "notice": {"x": 1}})
            return await asyncio.wait_for(waiting, 5)
        finally:
            waiting.cancel()
            await sender.flush()
            await sender.close_pools()
            await receiver.close_pools()

    assert asyncio.run(scenario()) == {"type": "meeting.notice", "notice": {"x": 1}}


def test_the_redis_layer_of_the_settings_lets_300_sockets_join_and_leave_at_once(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A meeting starts: every socket joins the room's group at the same moment (redis-py >= 8
    pools stop at 100 connections by default and fail beyond)."""
    from channels_redis.core import RedisChannelLayer

    config = _settings(monkeypatch, tmp_path, redis_url)["CHANNEL_LAYERS"]["default"]["CONFIG"]

    async def scenario() -> dict[str, Any]:
        layer = RedisChannelLayer(**config)
        channels = [await layer.new_channel() for _ in range(300)]
        try:
            await asyncio.gather(*(layer.group_add("meeting.1", c) for c in channels))
            await layer.group_send("meeting.1", {"type": "meeting.notice", "notice": {"x": 2}})
            received = await asyncio.wait_for(layer.receive(channels[-1]), 5)
            await asyncio.gather(*(layer.group_discard("meeting.1", c) for c in channels))
            return received
        finally:
            await layer.flush()
            await layer.close_pools()

    assert asyncio.run(scenario()) == {"type": "meeting.notice", "notice": {"x": 2}}


# --- two app processes ----------------------------------------------------------------------


def _http(method: str, url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, method=method, data=b"" if method == "POST" else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def two_apps(redis_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, Any], App, App]]:
    env = file_db_env(tmp_path, REDIS_URL=redis_url)
    room = prepare_room(env, token=True)
    with serve(env, tmp_path / "app1.log", tmp_path / "app2.log") as (app1, app2):
        yield room, app1, app2


async def _socket(app: App, meeting: int, cookie: str) -> Any:
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    ws = await connect(
        f"ws://127.0.0.1:{app.port}/ws/meetings/{meeting}/",
        origin=Origin(app.url()),
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=20,
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert hello["type"] == "hello" and hello["meeting"] == meeting
    return ws


async def _until(ws: Any, kind: str, **match: Any) -> dict[str, Any]:
    """The next message of this type (others on the way are skipped); 10 s at most."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        left = deadline - asyncio.get_running_loop().time()
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.01)))
        except TimeoutError:
            raise AssertionError(f"no {kind} {match} within 10 s") from None
        if message.get("type") == kind and all(message.get(k) == v for k, v in match.items()):
            return message


def test_two_app_processes_share_one_live_room_through_redis(
    two_apps: tuple[dict[str, Any], App, App],
) -> None:
    room, app1, app2 = two_apps
    mid, vid, token = room["meeting"], room["vote"], room["token"]
    api = f"/api/v1/meetings/{mid}/votes/{vid}"

    async def scenario() -> None:
        chair = await _socket(app1, mid, room["chair"])  # process 1
        remote = await _socket(app1, mid, room["remote"])  # process 1
        delegate = await _socket(app2, mid, room["delegate"])  # process 2
        try:
            # a chair's action over the socket of process 1 moves the follower on process 2
            await chair.send(json.dumps({"type": "agenda.set_current", "item": room["item2"]}))
            assert await _until(delegate, "agenda.current") == {
                "type": "agenda.current",
                "item": room["item2"],
            }
            # the chair opens the vote over HTTP on process 1: process 2's socket hears it
            status, body = await asyncio.to_thread(_http, "POST", app1.url(f"{api}/open"), token)
            assert (status, body["state"]) == (200, "open"), body
            assert await _until(delegate, "vote.opened") == {"type": "vote.opened", "vote": vid}
            # a ballot cast through process 2 ...
            await delegate.send(json.dumps({"type": "vote.cast", "vote": vid, "choice": "agree",
                                            "ref": 1}))  # fmt: skip
            assert (await _until(delegate, "ok", ref=1))["vote"] == vid
            # ... is announced on process 1's sockets and counted in process 1's result
            assert await _until(remote, "vote.progress", vote=vid) == {
                "type": "vote.progress",
                "vote": vid,
                "voted": 1,
            }
            status, body = await asyncio.to_thread(_http, "GET", app1.url(api), token)
            assert (status, body["voted"], body["choices"]["agree"]) == (200, 1, 1), body
            status, body = await asyncio.to_thread(_http, "POST", app1.url(f"{api}/close"), token)
            assert (status, body["state"], body["voted"]) == (200, "closed", 1), body
            for ws in (delegate, remote):
                assert await _until(ws, "vote.closed") == {"type": "vote.closed", "vote": vid}
        finally:
            for ws in (chair, remote, delegate):
                await ws.close()

    try:
        asyncio.run(scenario())
    except BaseException:
        for app in (app1, app2):
            print(app.log_tail())
        raise
