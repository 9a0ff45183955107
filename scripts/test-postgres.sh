#!/usr/bin/env bash
# Run the pytest suite against a throwaway PostgreSQL cluster.
#
#   scripts/test-postgres.sh [PYTEST ARGS...]        e.g. scripts/test-postgres.sh -k vote -x
#   scripts/test-postgres.sh --exec CMD [ARGS...]    run CMD instead of pytest, e.g.
#                                                    scripts/test-postgres.sh --exec psql -c 'select 1'
#
# The cluster lives in a temporary directory: initdb (UTF8, C.UTF-8 locale or C), trust
# authentication, a unix socket in that directory and 127.0.0.1 on a free port, durability
# switched off (it is thrown away). A role `hoiso` (LOGIN CREATEDB: pytest-django creates
# test_hoiso) owns a database `hoiso`; the command runs with
#   DATABASE_URL=postgres://hoiso@127.0.0.1:PORT/hoiso   (and PGHOST/PGPORT/PGUSER/PGDATABASE)
# By default the command is `make pytest-suite` (the whole suite as `make test` runs it, the
# arguments going to pytest); its exit code is pytest's, 5 (no tests collected) included.
# On exit the cluster is stopped and the directory removed; the exit code is the command's.
#
# PostgreSQL refuses to run as root: as root the server runs as the system user
# $HOISO_PG_SYSTEM_USER (default hoiso-pg, created when missing) through runuser.
# Environment: PYTHON (default .venv/bin/python), PG_BINDIR (default: newest
# /usr/lib/postgresql/*/bin), HOISO_PG_KEEP=1 keeps the directory for a look after a failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-.venv/bin/python}"
say() { printf 'test-postgres: %s\n' "$*" >&2; }

cmd=()
if [[ "${1:-}" == --exec ]]; then
  shift
  if [[ $# == 0 ]]; then say "--exec needs a command"; exit 2; fi
  cmd=("$@")
else
  # The suite as `make test` runs it (two pytest processes: all but browser tests with
  # pytest-xdist, then browser tests; see the Makefile's pytest-suite), with these arguments.
  HOISO_PYTEST_ARGS="$(printf '%q ' "$@")"
  export HOISO_PYTEST_ARGS
  cmd=(make --no-print-directory pytest-suite "PY=$PY")
fi

# --- binaries -----------------------------------------------------------------------------
if [[ -z "${PG_BINDIR:-}" ]]; then
  PG_BINDIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "${PG_BINDIR:-}" || ! -x "$PG_BINDIR/initdb" ]]; then
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BINDIR="$(dirname "$(command -v initdb)")"
  else
    say "no PostgreSQL server found (initdb under /usr/lib/postgresql/*/bin): run 'make deps-postgres'"
    exit 1
  fi
fi
PSQL="$PG_BINDIR/psql"
[[ -x "$PSQL" ]] || PSQL="$(command -v psql)"

# --- who runs the server --------------------------------------------------------------------
as_pg=()
if [[ "$(id -u)" == 0 ]]; then
  PG_SYSTEM_USER="${HOISO_PG_SYSTEM_USER:-hoiso-pg}"
  if ! id -u "$PG_SYSTEM_USER" >/dev/null 2>&1; then
    say "creating system user $PG_SYSTEM_USER to run the throwaway server"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$PG_SYSTEM_USER"
  fi
  as_pg=(runuser -u "$PG_SYSTEM_USER" --)
fi

# --- cluster ------------------------------------------------------------------------------
# Short path: the unix socket path must stay under ~100 bytes.
PGROOT="$(mktemp -d "${TMPDIR:-/tmp}/hoiso-pg.XXXXXX")"
DATA="$PGROOT/data"
LOG="$PGROOT/server.log"
started=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $started == 1 ]]; then
    "${as_pg[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ "${HOISO_PG_KEEP:-0}" == 1 ]]; then
    say "kept $PGROOT"
  else
    rm -rf "$PGROOT"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${#as_pg[@]} -gt 0 ]]; then
  chown "$PG_SYSTEM_USER": "$PGROOT"
fi
chmod 700 "$PGROOT"

locale_opt=(--locale=C)
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
if ! "${as_pg[@]}" "$PG_BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 "${locale_opt[@]}" \
  --auth=trust --no-sync >"$PGROOT/initdb.log" 2>&1; then
  if [[ "${locale_opt[0]}" != --locale=C ]]; then
    say "initdb with ${locale_opt[0]} failed; retrying with --locale=C"
    rm -rf "$DATA"
    "${as_pg[@]}" "$PG_BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
      --auth=trust --no-sync >"$PGROOT/initdb.log" 2>&1 || { cat "$PGROOT/initdb.log" >&2; exit 1; }
  else
    cat "$PGROOT/initdb.log" >&2
    exit 1
  fi
fi

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    2>/dev/null \
    || python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A port found free can be taken before the server binds it: try a few.
for attempt in 1 2 3 4 5; do
  PORT="$(free_port)"
  if "${as_pg[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o "\
    -c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PGROOT \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=200 -c shared_buffers=128MB" >/dev/null; then
    started=1
    break
  fi
  say "server did not start on port $PORT (attempt $attempt)"
  tail -n 5 "$LOG" >&2 || true
done
if [[ $started != 1 ]]; then
  say "could not start PostgreSQL"
  exit 1
fi

"$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PGROOT" -p "$PORT" -U postgres -d postgres \
  -c "CREATE ROLE hoiso LOGIN CREATEDB" \
  -c "CREATE DATABASE hoiso OWNER hoiso"

export DATABASE_URL="postgres://hoiso@127.0.0.1:$PORT/hoiso"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=hoiso PGDATABASE=hoiso
say "PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DATA)"
say "+ DATABASE_URL=$DATABASE_URL ${cmd[*]}"

export HOISO_PYTEST_RC_FILE="$PGROOT/pytest.rc"
rc=0
"${cmd[@]}" || rc=$?
# make exits 2 whatever failed: report pytest's own code when the suite recorded it.
if [[ -s "$HOISO_PYTEST_RC_FILE" ]]; then rc="$(cat "$HOISO_PYTEST_RC_FILE")"; fi
if ! "${as_pg[@]}" "$PG_BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  say "the server is no longer running; last lines of its log:"
  tail -n 20 "$LOG" >&2 || true
  [[ $rc != 0 ]] || rc=1
fi
exit "$rc"
