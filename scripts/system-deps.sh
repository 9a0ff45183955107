#!/usr/bin/env bash
# Install the system (Debian) packages Hội Số needs, idempotently.
#
#   scripts/system-deps.sh              default groups: base + ocr + pdf
#   scripts/system-deps.sh postgres     default groups + postgres (server for `make test-postgres`)
#   scripts/system-deps.sh redis        default groups + redis (server for the two-process test)
#   scripts/system-deps.sh --only ocr   just the named groups
#   scripts/system-deps.sh --list       print the groups and their packages, install nothing
#
# Groups
#   base      gettext (msgfmt for compilemessages), chromium (browser tests, Playwright drives
#             /usr/bin/chromium), one font family with Vietnamese glyphs
#   ocr       Tesseract with the Vietnamese and English models, Ghostscript, unpaper, pngquant:
#             what the OCRmyPDF Python package calls (documents module)
#   postgres  PostgreSQL server (initdb, pg_ctl, postgres under /usr/lib/postgresql/*/bin)
#   pdf       Pango, PangoFT2 and HarfBuzz-subset: what WeasyPrint loads (member cards, PDF
#             out); the fonts with Vietnamese glyphs come from the base group
#   redis     Redis server: the tests start a throwaway one for the Redis channel layer
#             (tests/meetings/test_redis.py, skipped without it unless CI=true); `make test`
#             and `make test-postgres` install it, `make run` does not need it
#
# Behaviour
#   * Checks with dpkg first; when everything is installed it prints nothing and touches no
#     network, so a second run is fast and works offline.
#   * Runs `apt-get update` only when something is missing (and the package lists are not fresh).
#   * Packages of optional groups (ocr, pdf) that have no install candidate are skipped with a
#     warning.
#   * Needs root: uses sudo when not root; with neither it prints what to install and exits 0
#     (exits 1 when CI=true, where a missing package would only fail later and less clearly).
#   * HOISO_SKIP_SYSTEM_DEPS=1 skips everything (for machines whose packages are managed elsewhere).
set -euo pipefail

log() { printf 'system-deps: %s\n' "$*" >&2; }

if [[ "${HOISO_SKIP_SYSTEM_DEPS:-0}" == 1 ]]; then
  exit 0
fi

DEFAULT_GROUPS=(base ocr pdf)

# One entry per requirement. "a|b" means any one of them will do (the first with an install
# candidate is installed when none is present).
group_packages() {
  case "$1" in
    base) echo "gettext chromium fonts-noto-core|fonts-dejavu-core" ;;
    ocr) echo "tesseract-ocr tesseract-ocr-eng tesseract-ocr-vie ghostscript unpaper pngquant" ;;
    postgres) echo "postgresql" ;;
    # WeasyPrint (member cards, PDF out) needs Pango; fonts come from the base group.
    pdf) echo "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" ;;
    redis) echo "redis-server" ;;
    *) return 1 ;;
  esac
}
# Groups whose packages are skipped (with a warning) when the archive does not carry them.
group_optional() { [[ "$1" == ocr || "$1" == pdf ]]; }
ALL_GROUPS=(base ocr postgres pdf redis)

groups=()
only=0
for arg in "$@"; do
  case "$arg" in
    --only) only=1 ;;
    --list)
      for g in "${ALL_GROUPS[@]}"; do printf '%-9s %s\n' "$g" "$(group_packages "$g")"; done
      exit 0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *)
      if ! group_packages "$arg" >/dev/null; then
        log "unknown group '$arg' (known: ${ALL_GROUPS[*]})"; exit 2
      fi
      groups+=("$arg") ;;
  esac
done
if [[ $only == 0 ]]; then groups=("${DEFAULT_GROUPS[@]}" "${groups[@]}"); fi
if [[ ${#groups[@]} == 0 ]]; then log "no group given"; exit 2; fi

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }
candidate() {
  local c
  c="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')"
  [[ -n "$c" && "$c" != "(none)" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "no dpkg/apt-get here: install by hand the equivalents of:"
  for g in "${groups[@]}"; do log "  $g: $(group_packages "$g")"; done
  exit 0
fi

# --- what is missing (dpkg only: no network, no apt lists needed) -------------------------
missing=()          # requirement strings, in order
missing_group=()    # the group each one came from
for g in "${groups[@]}"; do
  for req in $(group_packages "$g"); do
    ok=0
    IFS='|' read -r -a alts <<<"$req"
    for p in "${alts[@]}"; do
      if installed "$p"; then ok=1; break; fi
    done
    if [[ $ok == 0 ]]; then missing+=("$req"); missing_group+=("$g"); fi
  done
done
if [[ ${#missing[@]} == 0 ]]; then
  exit 0
fi

# --- how to become root ----------------------------------------------------------------
SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    if [[ -t 0 ]]; then SUDO=(sudo); else SUDO=(sudo -n); fi
  else
    log "missing packages: ${missing[*]//|/ or }"
    log "not root and no sudo: ask an administrator to run 'apt-get install' for them"
    log "(browser tests need chromium, 'make messages' needs gettext, OCR needs the ocr group)"
    if [[ "${CI:-}" == true ]]; then exit 1; fi
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)

lists_fresh() {
  # Fresh = updated during the last 6 hours and non-empty.
  local newest
  newest="$(find /var/lib/apt/lists -maxdepth 1 -type f -name '*_Packages*' -mmin -360 2>/dev/null | head -n 1)"
  [[ -n "$newest" ]]
}
updated=0
apt_update() {
  [[ $updated == 1 ]] && return 0
  log "apt-get update"
  # A third-party source that cannot be reached must not stop us: its error is reported
  # and the install below fails clearly if a package we need really is unavailable.
  "${APT[@]}" update || log "apt-get update reported errors (continuing with the lists it got)"
  updated=1
}

log "missing: ${missing[*]//|/ or }"
if ! lists_fresh; then apt_update; fi

# --- resolve requirements to package names ------------------------------------------------
resolve() {
  to_install=()
  local i req p found
  for i in "${!missing[@]}"; do
    req="${missing[$i]}"
    found=""
    IFS='|' read -r -a alts <<<"$req"
    for p in "${alts[@]}"; do
      if candidate "$p"; then found="$p"; break; fi
    done
    if [[ -n "$found" ]]; then
      to_install+=("$found")
    elif group_optional "${missing_group[$i]}"; then
      log "warning: no install candidate for '${req//|/ or }' (group ${missing_group[$i]}): skipped"
    else
      unresolved+=("$req")
    fi
  done
}
unresolved=()
resolve
if [[ ${#unresolved[@]} -gt 0 && $updated == 0 ]]; then
  apt_update
  unresolved=()
  resolve
fi
if [[ ${#unresolved[@]} -gt 0 ]]; then
  log "error: no install candidate for: ${unresolved[*]//|/ or }"
  exit 1
fi
if [[ ${#to_install[@]} == 0 ]]; then
  exit 0
fi

log "apt-get install ${to_install[*]}"
if ! "${APT[@]}" install --no-install-recommends "${to_install[@]}"; then
  if [[ $updated == 0 ]]; then
    log "install failed with the current lists; updating them and retrying once"
    apt_update
    "${APT[@]}" install --no-install-recommends "${to_install[@]}"
  else
    exit 1
  fi
fi
log "done"
