#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian/Ubuntu machine: distro packages, virtualenv, project install.
# Sourced by scripts/run-main.sh and scripts/run-tests.sh; safe to run again (skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "error: Python 3.11 or newer is required as '$PY' (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
"$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=("python3-venv")
# The web pages' browser tests drive Debian's Chromium (Playwright cannot download its own here).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "==> installing distro packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The Debian prometheus package starts a system-wide instance on :9090 where systemd runs;
# the project never uses it (every run starts its own on a free port).

if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtualenv .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$STAMP" ]; then
  echo "==> installing the project and its dev tools into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  .venv/bin/python -m pip check
  rm -f .venv/.installed-*
  touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"

# The web pages (TypeScript): dependencies from the committed lockfile, then the static build.
WEB="$ROOT/platform_services/web/frontend"
WEB_STAMP="$WEB/node_modules/.installed-$(sha256sum "$WEB/package-lock.json" | cut -c1-16)"
if [ ! -f "$WEB_STAMP" ]; then
  echo "==> installing the web pages' npm dependencies (npm ci)"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$WEB_STAMP"
fi
echo "==> building the web pages"
(cd "$WEB" && npm run --silent build >/dev/null)
