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
