"""The live room at 500 clients: the chair's broadcast, a vote of everyone, the server's memory.

    .venv/bin/python bench/meetings.py [--clients 500] [--actions 30] [--warmup 3]
                                       [--layers memory,redis] [--database-url URL] [--keep]

Builds a fresh database (bench/_django.py): a province, a meeting with ``--clients`` delegates
marked present (users, participants and session cookies made in bulk) and a chair. For each
channel layer (``memory``: Channels' in-memory layer; ``redis``: channels-redis against a
throwaway ``redis-server`` on a free port, no persistence) it starts two ASGI servers as
separate processes (uvicorn, as scripts/run.sh serves the product), on the same database:

- the product, ``config.asgi:application``: the clients connect to ``ws/meetings/<id>/`` with
  their session cookies, the chair sends ``agenda.set_current`` over her socket;
- the baseline, bench/_meetings_bare.py: a bare ``AsyncWebsocketConsumer`` that joins a group
  and broadcasts what a "chair" socket sends through the same channel layer (no login, no
  database, no service).

The clients all live in this process (asyncio, the ``websockets`` library, compression as a
browser would negotiate it). Figures, each beside the baseline of the same run:

1. broadcast: from the chair's send to the last of the clients receiving the notice, over
   ``--actions`` actions (after ``--warmup`` untimed ones), product and baseline alternating
   which goes first; p50/p95/p99 (nearest rank: with 30 actions p99 is the slowest one).
   Targets (issue 5): p99 ≤ 250 ms in memory, ≤ 400 ms with Redis.
2. vote: the chair opens a vote, every client casts at once (a burst), time until every cast is
   answered ``ok``, then until every client has seen ``vote.progress`` with the full count;
   the ballots are counted in the database and after the chair closes the vote the frozen
   count is checked. Target: all counted within 10 s, none lost. Baseline: the same burst of
   messages answered by the bare consumer.
3. the product server's peak resident memory (VmHWM) after all that. Target: < 1 GiB.

Exits 0 whatever the figures say. To see where the product server spends its time, set
``BENCH_SPY=/path/to/py-spy`` and ``BENCH_SPY_OUT=dir``: the product server then runs under
``py-spy record`` (all threads, idle included, collapsed stacks in that directory; the RSS
figure is then py-spy's own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import describe_machine, fresh_database
from _report import NOTES, ROWS, Row, Stat, ms, print_table, say

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGET_P99 = {"memory": 250.0, "redis": 400.0}
VOTE_SECONDS = 10.0
RSS_LIMIT_MB = 1024.0
CHOICES = ("agree", "disagree", "abstain")


# --- the room -------------------------------------------------------------------------------


@dataclass
class Room:
    meeting: int
    items: tuple[int, int]
    votes: dict[str, int]
    chair: str  # session cookie
    cookies: list[str]


def build_room(clients: int, layers: list[str]) -> Room:
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from hoiso.accounts import services as accounts
    from hoiso.accounts.models import Role, User
    from hoiso.core.vietnamese import fold
    from hoiso.meetings import services
    from hoiso.meetings.models import Attendance, Participant
    from hoiso.org import services as org
    from hoiso.org.models import Level

    start = dt.date(2020, 1, 1)

    def unit(code: str, name: str, level: str, parent: Any) -> Any:
        lvl = Level.objects.get(code=level)
        return org.unit_create(
            actor=None, code=code, name=name, level=lvl, parent=parent, valid_from=start
        )

    def person(username: str, role: str, at: Any) -> Any:
        user = accounts.user_create(
            actor=None, username=username, password="Bench-2026!x", full_name=username
        )
        accounts.role_assign(
            actor=None, user=user, role=Role.objects.get(code=role), unit=at, valid_from=start
        )
        return user

    central = unit("TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None)
    province = unit("TN", "Hội LHPN tỉnh Thái Nguyên", "tinh", central)
    cadre = person("canbo_tinh", "cadre", province)
    chair = person("chutoa", "leader", province)
    meeting = services.meeting_create(
        actor=cadre,
        unit=province,
        title="Hội nghị Ban Chấp hành (bench)",
        starts_at=timezone.now(),
        chair=chair,
    )
    hub = meeting.sites.get(is_hub=True)
    unusable = make_password(None)
    names = [f"Đại biểu số {i + 1}" for i in range(clients)]
    delegates = User.objects.bulk_create(
        User(username=f"daibieu{i:04d}", full_name=n, name_folded=fold(n), password=unusable)
        for i, n in enumerate(names)
    )
    services.participants_add(actor=chair, meeting=meeting, users=delegates, site=hub)
    # Attendance in bulk (not what is measured; the service would write 500 audit rows).
    Participant.objects.filter(meeting=meeting).update(attendance=Attendance.IN_PERSON)
    item1 = services.agenda_item_add(actor=chair, meeting=meeting, title="Báo cáo quý I")
    item2 = services.agenda_item_add(actor=chair, meeting=meeting, title="Nghị quyết")
    services.meeting_open(actor=chair, meeting=meeting)
    votes = {
        layer: services.vote_create(
            actor=chair, meeting=meeting, question=f"Thông qua nghị quyết? ({layer})", item=item2
        ).pk
        for layer in layers
    }

    # Session cookies in bulk: what django.contrib.auth.login() stores, one row each.
    store = SessionStore()
    backend = "hoiso.accounts.backends.UsernameOrPhoneBackend"
    expires = timezone.now() + dt.timedelta(hours=8)
    rows = []
    for user in [chair, *delegates]:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(rows)
    keys = [r.session_key for r in rows]
    return Room(meeting.pk, (item1.pk, item2.pk), votes, keys[0], keys[1:])


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on port {port} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C: uvicorn (and a profiler) finish cleanly
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def memory_mb(self) -> tuple[float, float]:
        """(current, peak) resident set of the server process, MiB."""
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]


def start_server(name: str, app: str, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    argv = [PY, "-m", "uvicorn", *app.split(), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--log-level", "warning", "--no-access-log"]
    spy = os.environ.get("BENCH_SPY")
    if spy and name == "product":  # the RSS figure is then py-spy's, not the server's
        out = Path(os.environ["BENCH_SPY_OUT"]) / f"{name}-{time.time():.0f}.txt"
        record = [spy, "record", "--format", "raw", "--threads", "--idle", "-r", "200"]
        argv = [*record, "-o", str(out), "--", *argv]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
    return Server(name, port, proc, log)


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed: scripts/system-deps.sh redis")
    port = free_port()
    argv = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(workdir), "--logfile", str(workdir / "redis.log")]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    wait_port(port, proc, "redis-server", timeout=20)
    return proc, f"redis://127.0.0.1:{port}/0"


# --- clients --------------------------------------------------------------------------------


@dataclass
class Watch:
    """Waits for one message (type and fields) at each of ``want`` clients."""

    kind: str
    match: dict[str, Any]
    want: int
    done: asyncio.Future[None]
    arrivals: dict[int, float] = field(default_factory=dict)

    def offer(self, client: int, message: dict[str, Any], at: float) -> None:
        if client in self.arrivals or message.get("type") != self.kind:
            return
        if all(message.get(k) == v for k, v in self.match.items()):
            self.arrivals[client] = at
            if len(self.arrivals) >= self.want and not self.done.done():
                self.done.set_result(None)


@dataclass
class Crowd:
    """The clients of one server; every message they get goes past the open watches."""

    name: str
    sockets: list[Any] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    def watch(self, kind: str, **match: Any) -> Watch:
        w = Watch(kind, match, len(self.sockets), asyncio.get_running_loop().create_future())
        self.watches.append(w)
        return w

    async def wait(self, w: Watch, timeout: float) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(w.done), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.watches.remove(w)

    async def read(self, index: int, ws: Any) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            async for raw in ws:
                at = loop.time()
                message = json.loads(raw)
                kind = message.get("type", "")
                self.counts[kind] = self.counts.get(kind, 0) + 1
                if kind == "error":
                    self.errors.append(message)
                for w in self.watches:
                    w.offer(index, message, at)


async def connect(url: str, origin: str, cookie: str | None) -> Any:
    from websockets.asyncio.client import connect as ws_connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    ws = await ws_connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=120,
        ping_interval=None,
        max_queue=None,
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
    assert hello["type"] == "hello", hello
    return ws


async def join(crowd: Crowd, server: Server, path: str, cookies: list[str | None]) -> float:
    """Connect every client (50 at a time), start its reader; the seconds it took."""
    url = f"ws://127.0.0.1:{server.port}{path}"
    origin = f"http://127.0.0.1:{server.port}"
    started = time.perf_counter()
    for first in range(0, len(cookies), 50):
        batch = cookies[first : first + 50]
        crowd.sockets += await asyncio.gather(*(connect(url, origin, c) for c in batch))
    for index, ws in enumerate(crowd.sockets):
        crowd.readers.append(asyncio.create_task(crowd.read(index, ws)))
    return time.perf_counter() - started


async def leave(crowd: Crowd) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in crowd.sockets)), 30)
    for task in crowd.readers:
        task.cancel()


# --- one layer ------------------------------------------------------------------------------


@dataclass
class LayerResult:
    layer: str
    broadcast: list[float] = field(default_factory=list)  # ms, product: last client
    broadcast_median: list[float] = field(default_factory=list)  # ms, product: median client
    bare: list[float] = field(default_factory=list)
    bare_median: list[float] = field(default_factory=list)
    lost_rounds: int = 0
    connect_s: float = 0.0
    connect_bare_s: float = 0.0
    cast_s: float | None = None
    progress_s: float | None = None
    cast_bare_s: float | None = None
    ballots: int = 0
    voted_count: int | None = None
    progress_per_client: float = 0.0
    errors: int = 0
    rss_mb: float = 0.0
    peak_mb: float = 0.0
    bare_peak_mb: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)


async def broadcast_round(crowd: Crowd, chair: Any, payload: dict[str, Any], item: int) -> Any:
    loop = asyncio.get_running_loop()
    w = crowd.watch("agenda.current", item=item)
    started = loop.time()
    await chair.send(json.dumps(payload))
    if not await crowd.wait(w, 30):
        return None
    arrivals = sorted(w.arrivals.values())
    return (arrivals[-1] - started) * 1000, (arrivals[len(arrivals) // 2] - started) * 1000


async def run_layer(layer: str, room: Room, args: argparse.Namespace, db: Any) -> LayerResult:
    from asgiref.sync import sync_to_async

    result = LayerResult(layer)
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix=f"hoiso-bench-meetings-{layer}-"))
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "HOISO_VAR_DIR": str(db.var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if args.conn_max_age is not None:
        env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    redis = None
    servers: list[Server] = []
    product = Crowd("product")
    bare = Crowd("bare")
    chairs = Crowd("chairs")
    try:
        if layer == "redis":
            redis, env["REDIS_URL"] = start_redis(workdir)
        servers = [
            start_server("product", "config.asgi:application", env, workdir),
            start_server("bare", "--app-dir bench _meetings_bare:application", env, workdir),
        ]
        for s in servers:
            wait_port(s.port, s.proc, f"uvicorn ({s.name})")
        app, base = servers
        path = f"/ws/meetings/{room.meeting}/"
        result.connect_s = await join(product, app, path, list(room.cookies))
        result.connect_bare_s = await join(bare, base, "/ws/bare/1/", [None] * len(room.cookies))
        await join(chairs, app, path, [room.chair])
        await join(chairs, base, "/ws/bare/1/", [None])
        chair, bare_chair = chairs.sockets
        say(
            f"  [{layer}] {len(product.sockets)} clients connected in {result.connect_s:.1f} s "
            f"(bare: {result.connect_bare_s:.1f} s)"
        )

        # 1. the broadcast
        for i in range(args.warmup + args.actions):
            item = room.items[i % 2]
            runs = [
                (product, chair, {"type": "agenda.set_current", "item": item}, True),
                (bare, bare_chair, {"type": "go", "item": item}, False),
            ]
            if i % 2:
                runs.reverse()
            for crowd, who, payload, is_product in runs:
                got = await broadcast_round(crowd, who, payload, item)
                await asyncio.sleep(0.05)
                if i < args.warmup:
                    continue
                if got is None:
                    result.lost_rounds += 1
                    continue
                last, median = got
                if is_product:
                    result.broadcast.append(last)
                    result.broadcast_median.append(median)
                else:
                    result.bare.append(last)
                    result.bare_median.append(median)

        # 2. the vote
        vote = room.votes[layer]
        loop = asyncio.get_running_loop()
        w = product.watch("vote.opened", vote=vote)
        await chair.send(json.dumps({"type": "vote.open", "vote": vote}))
        await product.wait(w, 30)
        before = product.counts.get("vote.progress", 0)
        oks = product.watch("ok", vote=vote)
        final = product.watch("vote.progress", vote=vote, voted=len(product.sockets))
        casts = [
            json.dumps({"type": "vote.cast", "vote": vote, "ref": i, "choice": CHOICES[i % 3]})
            for i in range(len(product.sockets))
        ]
        started = loop.time()
        await asyncio.gather(*(ws.send(c) for ws, c in zip(product.sockets, casts, strict=True)))
        if await product.wait(oks, 60):
            result.cast_s = max(oks.arrivals.values()) - started
        if await product.wait(final, 30):
            result.progress_s = max(final.arrivals.values()) - started
        result.progress_per_client = (product.counts.get("vote.progress", 0) - before) / len(
            product.sockets
        )
        oks = bare.watch("ok")
        started = loop.time()
        await asyncio.gather(
            *(
                ws.send(json.dumps({"type": "vote.cast", "ref": i}))
                for i, ws in enumerate(bare.sockets)
            )
        )
        if await bare.wait(oks, 60):
            result.cast_bare_s = max(oks.arrivals.values()) - started
        w = product.watch("vote.closed", vote=vote)
        await chair.send(json.dumps({"type": "vote.close", "vote": vote}))
        await product.wait(w, 30)

        def counted() -> tuple[int, int | None]:
            from django.db import close_old_connections

            from hoiso.meetings.models import Ballot, Vote

            close_old_connections()
            return (
                Ballot.objects.filter(vote_id=vote).count(),
                Vote.objects.get(pk=vote).voted_count,
            )

        result.ballots, result.voted_count = await sync_to_async(counted)()
        result.errors = len(product.errors)
        result.rss_mb, result.peak_mb = app.memory_mb()
        result.bare_peak_mb = base.memory_mb()[1]
    finally:
        for crowd in (product, bare, chairs):
            await leave(crowd)
        for s in servers:
            stop(s.proc)
            text = s.log.read_text(errors="replace")
            if s.proc.returncode not in (0, -2, -15, None) or "Traceback" in text:
                say(f"  [{layer}] {s.name} server log (its end):\n{text[-3000:]}")
        stop(redis)
        shutil.rmtree(workdir, ignore_errors=True)
    result.load = (load_before, os.getloadavg()[0])
    return result


# --- report ---------------------------------------------------------------------------------


def pct(samples: list[float]) -> str:
    if not samples:
        return "-"
    s = Stat(samples)
    return f"p50 {ms(s.p50)} / p95 {ms(s.p95)} / p99 {ms(s.q(0.99))}"


def report(r: LayerResult, clients: int) -> None:
    target = TARGET_P99[r.layer]
    got = Stat(r.broadcast) if r.broadcast else None
    base = Stat(r.bare) if r.bare else None
    p99 = got.q(0.99) if got else float("inf")
    ok = got is not None and p99 <= target and r.lost_rounds == 0
    ROWS.append(
        Row(
            f"[{r.layer}] broadcast to the last of {clients} clients ({len(r.broadcast)} actions)",
            pct(r.broadcast),
            pct(r.bare),
            f"×{got.p50 / base.p50:.2f}" if got and base else "-",
            f"p99 ≤ {target:g} ms",
            ("PASS" if ok else "FAIL") + (f" ({r.lost_rounds} lost)" if r.lost_rounds else ""),
        )
    )
    ROWS.append(
        Row(
            f"[{r.layer}] broadcast to the median client",
            pct(r.broadcast_median),
            pct(r.bare_median),
            "-",
            "-",
            "-",
        )
    )
    all_counted = r.ballots == clients and r.voted_count == clients
    in_time = r.cast_s is not None and r.cast_s <= VOTE_SECONDS
    ROWS.append(
        Row(
            f"[{r.layer}] {clients} casts at once: all answered",
            f"{r.cast_s:.2f} s" if r.cast_s is not None else "not all answered",
            f"{r.cast_bare_s:.2f} s" if r.cast_bare_s is not None else "-",
            f"×{r.cast_s / r.cast_bare_s:.1f}" if r.cast_s and r.cast_bare_s else "-",
            f"≤ {VOTE_SECONDS:g} s, all counted",
            "PASS" if in_time and all_counted and r.errors == 0 else "FAIL",
        )
    )
    ROWS.append(
        Row(
            f"[{r.layer}] every client saw the full count (vote.progress)",
            f"{r.progress_s:.2f} s" if r.progress_s is not None else "NOT ALL",
            "-",
            "-",
            "none lost",
            "PASS" if r.progress_s is not None else "FAIL",
        )
    )
    ROWS.append(
        Row(
            f"[{r.layer}] product server's peak RSS",
            f"{r.peak_mb:.0f} MiB (now {r.rss_mb:.0f})",
            f"{r.bare_peak_mb:.0f} MiB (bare server)",
            "-",
            f"< {RSS_LIMIT_MB:g} MiB",
            "PASS" if r.peak_mb < RSS_LIMIT_MB else "FAIL",
        )
    )
    NOTES.append(
        f"[{r.layer}] load average {r.load[0]:.2f} → {r.load[1]:.2f}; connect {clients}: "
        f"{r.connect_s:.1f} s (bare {r.connect_bare_s:.1f} s); ballots in the database "
        f"{r.ballots}, frozen voted_count {r.voted_count}; vote.progress per client "
        f"{r.progress_per_client:.1f}; error replies {r.errors}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--actions", type=int, default=30, help="timed broadcasts per layer")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--layers", default="memory,redis", help="memory, redis or both")
    parser.add_argument("--database-url", default="", help="postgres://… (default: new SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--conn-max-age", type=int, default=None,
        help="DB_CONN_MAX_AGE for the servers (default: the product's default, 0)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    layers = [x.strip() for x in args.layers.split(",") if x.strip()]
    if not set(layers) <= {"memory", "redis"}:
        parser.error("--layers: memory, redis")
    if "redis" in layers and shutil.which("redis-server") is None:
        say("redis-server is not installed (scripts/system-deps.sh redis): memory layer only")
        layers = [x for x in layers if x != "redis"]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 8 * args.clients + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    load0 = os.getloadavg()
    started = time.perf_counter()
    db = fresh_database(args.database_url or None, keep=args.keep)
    try:
        say(f"meetings bench: {describe_machine()}, Python {platform.python_version()}, {db.label}")
        say(f"load average at start: {' '.join(f'{x:.2f}' for x in load0)}")
        t = time.perf_counter()
        room = build_room(args.clients, layers)
        say(f"room: {args.clients} delegates + chair, built in {time.perf_counter() - t:.1f} s")
        from django.db import connections

        connections.close_all()
        for layer in layers:
            say(f"layer {layer} …")
            report(asyncio.run(run_layer(layer, room, args, db)), args.clients)
        print()
        print_table()
        print()
        for note in NOTES:
            say(f"- {note}")
        say(
            f"- whole run {time.perf_counter() - started:.0f} s; load average at the end: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
    finally:
        db.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
