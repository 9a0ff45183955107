"""Scale-out: with REDIS_URL set the Redis channel layer is used and two app processes share
one live room.

The two-process test starts a throwaway ``redis-server`` (no persistence, a free port, a temp
directory), prepares a file SQLite database in a temp directory (``manage.py migrate`` and
``_prepare_room`` below, in subprocesses with the same environment), then runs the project's
ASGI app (config/asgi.py) under uvicorn twice, on two ports. A chair's action through process 1
reaches a socket of process 2, and a vote cast through process 2 is counted in what process 1
reports. Without redis-server the tests are skipped, except under CI=true where they fail: CI
installs it (scripts/system-deps.sh, group redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
        _wait_port(port, proc, "redis-server", timeout=20)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


# --- settings -------------------------------------------------------------------------------


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis: str | None) -> dict[str, Any]:
    """config/settings.py evaluated afresh with this environment (Django's own settings stay)."""
    monkeypatch.setenv("HOISO_VAR_DIR", str(tmp_path))
    if redis is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", redis)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_settings_choose_the_redis_layer_and_cache_when_redis_url_is_set(monkeypatch, tmp_path):
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
    redis_url, monkeypatch, tmp_path
):
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
    redis_url, monkeypatch, tmp_path
):
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


def _prepare_room() -> None:
    """Run in a subprocess on the migrated file database: the meeting of
    tests/meetings/conftest.py, opened, with a prepared vote; prints ids, the chair's API token
    and session cookies as JSON."""
    import django

    django.setup()
    from types import SimpleNamespace

    from django.test import Client

    from hoiso.accounts.services import token_create
    from hoiso.meetings import services
    from tests.conftest import make_unit, make_user
    from tests.meetings.conftest import build_room

    central = make_unit("TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None)
    province = make_unit("TN", "Hội LHPN tỉnh Thái Nguyên", "tinh", central)
    commune_a = make_unit("TN-PHOYEN", "Hội LHPN phường Phổ Yên", "xa", province)
    tree = SimpleNamespace(province=province, commune_a=commune_a)
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
    _token, raw = token_create(actor=None, user=room.chair, name="two-process test")

    def cookie(user: Any) -> str:
        client = Client()
        client.force_login(user)
        return str(client.cookies["sessionid"].value)

    out = {
        "meeting": room.meeting.pk,
        "item2": room.item2.pk,
        "vote": vote.pk,
        "token": raw,
        "chair": cookie(room.chair),
        "delegate": cookie(room.delegate),
        "remote": cookie(room.remote),
    }
    print(json.dumps(out))


class App:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.port, self.proc, self.log = port, proc, log

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


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
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOISO_VAR_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 240}
    done = subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], **run)
    assert done.returncode == 0, done.stderr
    code = "from tests.meetings.test_redis import _prepare_room; _prepare_room()"
    done = subprocess.run([PY, "-c", code], **run)
    assert done.returncode == 0, done.stderr
    room = json.loads(done.stdout.strip().splitlines()[-1])
    apps: list[App] = []
    try:
        for n in (1, 2):
            port = free_port()
            log = tmp_path / f"app{n}.log"
            argv = [PY, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
            argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
            with log.open("wb") as out:
                proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
            apps.append(App(port, proc, log))
        for app in apps:
            _wait_port(app.port, app.proc, f"uvicorn on port {app.port}")
        yield room, apps[0], apps[1]
    finally:
        for app in apps:
            _stop(app.proc)


async def _socket(app: App, meeting: int, cookie: str) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(
        f"ws://127.0.0.1:{app.port}/ws/meetings/{meeting}/",
        origin=f"http://127.0.0.1:{app.port}",
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


def test_two_app_processes_share_one_live_room_through_redis(two_apps):
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
            print(f"--- uvicorn on port {app.port}:\n{app.log.read_text()[-4000:]}")
        raise
