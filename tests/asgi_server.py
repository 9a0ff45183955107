"""The project's ASGI app under uvicorn, for tests that need real HTTP and WebSocket (Django's
live_server is WSGI): a file SQLite database in a temporary directory, migrated and filled with
a live meeting room by subprocesses, then one or more uvicorn processes serving it on free ports.

    env = file_db_env(tmp_path, DEBUG="1")
    room = prepare_room(env)                  # ids and session cookies (and a token if asked)
    with serve(env, tmp_path / "app.log") as (app,):
        app.url("/meetings/...")

Used by tests/browser/test_meetings_live.py and tests/meetings/test_redis.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    """Until something listens on the port; fails if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def file_db_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of the subprocesses: this process's, on a file SQLite database and a var
    directory in ``tmp_path``, without REDIS_URL (in-memory channel layer) unless ``extra`` sets
    it, and without DJANGO_ALLOW_ASYNC_UNSAFE (the browser tests set it for themselves)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOISO_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def prepare_room(env: dict[str, str], *, token: bool = False) -> dict[str, Any]:
    """Migrate the database of ``env`` and build the room there (``print_room``), each in a
    subprocess: the room's ids and cookies."""
    run: dict[str, Any] = {
        "cwd": ROOT,
        "env": env,
        "capture_output": True,
        "text": True,
        "timeout": 240,
    }
    done = subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], **run)
    assert done.returncode == 0, done.stderr
    code = f"from tests.asgi_server import print_room; print_room(token={token!r})"
    done = subprocess.run([PY, "-c", code], **run)
    assert done.returncode == 0, done.stderr
    room: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return room


def print_room(*, token: bool = False) -> None:
    """Run in a subprocess on the migrated file database: the meeting of
    tests/meetings/conftest.py, opened, with a prepared vote on item 2; prints as JSON its ids
    (meeting, item1, item2, vote), the session cookies of the chair and two participants (chair,
    delegate, remote) and, with ``token``, an API token of the chair (token)."""
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

    out = {
        "meeting": room.meeting.pk,
        "item1": room.item1.pk,
        "item2": room.item2.pk,
        "vote": vote.pk,
        "chair": cookie(room.chair),
        "delegate": cookie(room.delegate),
        "remote": cookie(room.remote),
    }
    if token:
        out["token"] = token_create(actor=None, user=room.chair, name="ASGI test")[1]
    print(json.dumps(out))


@dataclass
class App:
    """One uvicorn process serving config.asgi:application."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, chars: int = 4000) -> str:
        return f"--- uvicorn on port {self.port}:\n{self.log.read_text()[-chars:]}"


def start_app(env: dict[str, str], log: Path) -> App:
    """uvicorn on a free port, its output in ``log``; not yet waited for (``wait_port``)."""
    port = free_port()
    argv = [PY, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
    return App(port, proc, log)


@contextlib.contextmanager
def serve(env: dict[str, str], *logs: Path) -> Iterator[list[App]]:
    """One app process per log file, all started, then all listening; stopped on exit."""
    apps: list[App] = []
    try:
        for log in logs:
            apps.append(start_app(env, log))
        for app in apps:
            wait_port(app.port, app.proc, f"uvicorn on port {app.port}")
        yield apps
    finally:
        for app in apps:
            stop(app.proc)
