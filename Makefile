# Hội Số: developer and CI entry points. `make help` lists the targets.
# Every target works on a fresh clone: each one builds what it needs first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The targets share apt, the venv and the catalogue: never run them in parallel.
.NOTPARALLEL:

VENV ?= .venv
PY := $(VENV)/bin/python
# The stamp holds a hash of the requirements files: pip runs again only when they change.
STAMP := $(VENV)/.requirements.stamp
REQUIREMENTS := $(sort $(wildcard requirements*.txt))
# Interpreter used to create the venv (any python3 >= 3.11 found on PATH otherwise).
PYTHON ?=

# Extra pytest arguments for `make test` and `make test-postgres`, e.g. PYTEST_ARGS='-k vote -x'.
PYTEST_ARGS ?=
# How the non-browser run is spread over the cores (pytest-xdist); empty for one process.
PYTEST_XDIST ?= -n auto
LOCALE_DIR := locale/vi/LC_MESSAGES
# Directories compilemessages must not walk into (it looks for every locale/ below the cwd).
MESSAGES_IGNORE := --ignore=$(VENV) --ignore=var --ignore=node_modules --ignore=.git
HOST ?= 127.0.0.1
PORT ?= 8000

# A venv whose interpreter is gone or too old (or absent) is rebuilt whatever the stamp says.
VENV_OK := $(shell $(PY) -c 'import sys; print(int(sys.version_info >= (3, 11)))' 2>/dev/null)
ifneq ($(VENV_OK),1)
.PHONY: $(STAMP)
endif

.PHONY: help venv deps deps-postgres deps-test messages run test test-postgres pytest-suite lint bench

help:
	@echo "make venv           create $(VENV) (python3 >= 3.11) and install requirements-dev.txt"
	@echo "                    (pip runs again only when a requirements*.txt file changed)"
	@echo "make deps           system packages: gettext, chromium, fonts, OCR (scripts/system-deps.sh)"
	@echo "make deps-postgres  the same plus the PostgreSQL and Redis servers"
	@echo "make deps-test      the default packages plus the Redis server (what \`make test\` installs)"
	@echo "make messages       merge $(LOCALE_DIR)/django.po.d/*.po into django.po, compile catalogues"
	@echo "make run            migrate, collectstatic, demo province, worker + server on http://$(HOST):$(PORT)"
	@echo "make test           the whole pytest suite on SQLite (extra arguments: PYTEST_ARGS='-k vote')"
	@echo "make test-postgres  the whole pytest suite on a throwaway PostgreSQL cluster"
	@echo "make lint           ruff check, ruff format --check, mypy"
	@echo "make bench          run every bench/*.py"

# --- environment --------------------------------------------------------------------------

venv: $(STAMP)
	@:

$(STAMP): $(REQUIREMENTS)
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  py=""; \
	  for c in $(PYTHON) python3.13 python3.12 python3.11 python3; do \
	    if command -v "$$c" >/dev/null 2>&1 \
	       && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	      py="$$c"; break; \
	    fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "make venv: no python3 >= 3.11 on PATH (set PYTHON=...)" >&2; exit 1; fi; \
	  echo "make venv: creating $(VENV) with $$("$$py" --version)"; \
	  rm -rf "$(VENV)"; \
	  "$$py" -m venv "$(VENV)"; \
	fi; \
	sum="$$(cat $(REQUIREMENTS) | sha256sum | cut -d' ' -f1)"; \
	if [ -f "$(STAMP)" ] && [ "$$(cat "$(STAMP)")" = "$$sum" ]; then touch "$(STAMP)"; exit 0; fi; \
	echo "make venv: pip install -r requirements-dev.txt"; \
	"$(PY)" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt; \
	echo "$$sum" > "$(STAMP)"

deps:
	@scripts/system-deps.sh

deps-postgres:
	@scripts/system-deps.sh postgres redis

deps-test:
	@scripts/system-deps.sh redis

# --- translations -------------------------------------------------------------------------
# Fragments in django.po.d/*.po are merged into django.po with msgcat --use-first, django.po
# first. msgcat prefers a translation to an empty msgstr, so fragments fill the entries that
# makemessages left untranslated and bring new msgids; a msgid already translated in django.po
# keeps that translation (edit django.po to change it). Fragments need no header: one that has
# no charset is read as UTF-8. django.po is rewritten only when the merge adds or changes a
# message, so a second run leaves the tree untouched. Either django.po or django.po.d/ (or
# both) may be missing.

messages: deps venv
	@po="$(LOCALE_DIR)/django.po"; \
	shopt -s nullglob; \
	frags=("$$po.d"/*.po); \
	if [ $${#frags[@]} -gt 0 ]; then \
	  tmp="$$(mktemp -d)"; \
	  trap 'rm -rf "$$tmp"' EXIT; \
	  inputs=(); \
	  if [ -f "$$po" ]; then inputs+=("$$po"); fi; \
	  n=0; \
	  for f in "$${frags[@]}"; do \
	    n=$$((n + 1)); g="$$tmp/frag-$$n.po"; \
	    if grep -q '^"Content-Type:.*charset=CHARSET' "$$f"; then \
	      sed 's/charset=CHARSET/charset=UTF-8/' "$$f" > "$$g"; \
	    elif grep -q '^"Content-Type:.*charset=' "$$f"; then \
	      cp "$$f" "$$g"; \
	    elif [ "$$(grep -m1 '^msgid ' "$$f")" = 'msgid ""' ]; then \
	      sed '0,/^msgstr ""$$/s//msgstr ""\n"Content-Type: text\/plain; charset=UTF-8\\n"/' "$$f" > "$$g"; \
	    else \
	      { printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'; cat "$$f"; } > "$$g"; \
	    fi; \
	    inputs+=("$$g"); \
	  done; \
	  msgcat --use-first --to-code=UTF-8 -o "$$tmp/merged.po" "$${inputs[@]}"; \
	  if [ -f "$$po" ]; then msgcat --to-code=UTF-8 -o "$$tmp/current.po" "$$po"; else : > "$$tmp/current.po"; fi; \
	  if ! cmp -s "$$tmp/merged.po" "$$tmp/current.po"; then \
	    mkdir -p "$(LOCALE_DIR)"; \
	    cat "$$tmp/merged.po" > "$$po"; \
	    echo "make messages: merged $${#frags[@]} fragment(s) from $$po.d/ into $$po"; \
	  fi; \
	fi; \
	if [ -n "$$(find . \( -path ./$(VENV) -o -path ./var -o -path ./node_modules -o -path ./.git \) -prune \
	            -o -path '*/LC_MESSAGES/*.po' -print -quit)" ]; then \
	  "$(PY)" manage.py compilemessages $(MESSAGES_IGNORE) --verbosity 0; \
	else \
	  echo "make messages: no .po catalogue yet, nothing to compile"; \
	fi

# --- run ----------------------------------------------------------------------------------

run: deps venv messages
	@HOST="$(HOST)" PORT="$(PORT)" PYTHON="$(PY)" scripts/run.sh

# --- tests --------------------------------------------------------------------------------
# The suite runs as two pytest processes (target pytest-suite):
#   1. everything but browser tests, in parallel:  pytest $(PYTEST_XDIST) -m "not browser"
#   2. browser tests (marker `browser`, set on tests/browser/), serially: pytest -m browser
# Browser tests cannot share a process with the rest: Playwright's sync API keeps an event loop
# running in the main thread for its session-scoped browser (later async_to_sync / Channels
# tests then fail with "You cannot use AsyncToSync in the same thread as an async event loop"),
# and live_server's transactional tests flush the rows that data migrations seeded.
# PYTEST_ARGS go to both runs (shell quoting works: PYTEST_ARGS='-k "merge and not phone"');
# with a -m of its own there is one run only. A run that collects nothing (exit 5) is fine when
# the other ran tests; both empty is a failure. Any other non-zero exit fails the target.

test: deps-test venv messages
	@HOISO_PYTEST_ARGS='$(subst ','\'',$(PYTEST_ARGS))' $(MAKE) --no-print-directory pytest-suite

test-postgres: deps-postgres venv messages
	@PYTHON="$(PY)" scripts/test-postgres.sh $(PYTEST_ARGS)

# The two runs against whatever DATABASE_URL says, with no set-up: `make test` and
# scripts/test-postgres.sh call it. Extra pytest arguments come in HOISO_PYTEST_ARGS, as shell words.
pytest-suite:
	@eval "extra=($${HOISO_PYTEST_ARGS:-})"; \
	db="$${DATABASE_URL:-sqlite}"; db="$${db%%:*}"; \
	pytest() { echo "+ pytest $$*   [$$db]"; rc=0; "$(PY)" -m pytest "$$@" || rc=$$?; }; \
	finish() { \
	  if [ $$1 -eq 5 ]; then echo "make: pytest collected no tests (exit 5): failing" >&2; fi; \
	  if [ -n "$${HOISO_PYTEST_RC_FILE:-}" ]; then echo $$1 > "$$HOISO_PYTEST_RC_FILE"; fi; \
	  exit $$1; \
	}; \
	if printf '%s\n' "$${extra[@]}" | grep -qE '^-m'; then \
	  pytest "$${extra[@]}"; finish $$rc; \
	fi; \
	pytest $(PYTEST_XDIST) -m "not browser" "$${extra[@]}"; main=$$rc; \
	pytest -m browser "$${extra[@]}"; browser=$$rc; \
	echo "make: pytest exit codes: $$main (all but browser), $$browser (browser)"; \
	if [ $$main -eq 5 ] && [ $$browser -eq 5 ]; then finish 5; fi; \
	for c in $$main $$browser; do \
	  if [ $$c -ne 0 ] && [ $$c -ne 5 ]; then finish $$c; fi; \
	done; \
	finish 0

# --- quality ------------------------------------------------------------------------------
# All three checks run even when one fails, so a single run shows every problem.

lint: venv
	@rc=0; \
	echo "+ ruff check ."; "$(VENV)/bin/ruff" check . || rc=1; \
	echo "+ ruff format --check ."; "$(VENV)/bin/ruff" format --check . || rc=1; \
	echo "+ mypy"; "$(VENV)/bin/mypy" || rc=1; \
	exit $$rc

# --- benchmarks ---------------------------------------------------------------------------
# Each bench/*.py runs on its own with the venv's python, from the repository root, with the
# project importable and Django's settings named; see bench/README.md. Output files belong in
# var/bench/ (ignored by git).

bench: venv
	@shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "make bench: no bench/*.py yet"; exit 0; fi; \
	mkdir -p var/bench; rc=0; \
	for f in "$${files[@]}"; do \
	  echo "== $$f"; \
	  PYTHONPATH="$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}" DJANGO_SETTINGS_MODULE=config.settings \
	    "$(PY)" "$$f" || { echo "make bench: $$f failed" >&2; rc=1; }; \
	done; \
	exit $$rc
