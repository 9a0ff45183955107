#!/usr/bin/env bash
# Run Hội Số on this machine: prepare the database and static files, load the demo province,
# then start the background-task worker and the ASGI server. Ctrl-C (or SIGTERM) stops both;
# if either one exits on its own, the other is stopped too.
#
# `make run` calls this after installing system packages, the venv and the catalogues.
# Environment: PYTHON (default .venv/bin/python), HOST (127.0.0.1), PORT (8000), plus everything
# config/settings.py reads (DATABASE_URL, HOISO_VAR_DIR, ...).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-.venv/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

say() { printf '\n== %s\n' "$*"; }

say "migrate"
"$PY" manage.py migrate --noinput
say "collectstatic"
"$PY" manage.py collectstatic --noinput --verbosity 0
say "demo province"
"$PY" manage.py demo_province --members "${DEMO_MEMBERS:-3000}"

worker_pid=""
server_pid=""

stop() {
  # Stop whichever of the two is still running: SIGTERM, then SIGKILL after 10 s.
  trap - INT TERM
  local pid
  for pid in $server_pid $worker_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in $server_pid $worker_pid; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for pid in $server_pid $worker_pid; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap 'echo; echo "== stopping"; stop; exit 130' INT
trap 'echo "== stopping"; stop; exit 143' TERM
trap 'stop' EXIT

say "worker (python manage.py run_worker) and server on http://$HOST:$PORT/ (Ctrl-C stops both)"
"$PY" manage.py run_worker &
worker_pid=$!
"$PY" -m uvicorn config.asgi:application --host "$HOST" --port "$PORT" &
server_pid=$!

# Background jobs of a non-interactive shell have no terminal stdin and ignore SIGINT unless
# they set their own handler, so the traps above do the stopping. `wait -n` returns when either
# process exits, or at once when a trapped signal arrives.
rc=0
wait -n "$worker_pid" "$server_pid" || rc=$?
if ! kill -0 "$worker_pid" 2>/dev/null; then
  echo "== the worker exited (code $rc): stopping the server" >&2
else
  echo "== the server exited (code $rc): stopping the worker" >&2
fi
exit "$rc"
