#!/usr/bin/env bash
# The README's test command: set up, lint, type-check, then run every test tier.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
echo "==> pip check"; python -m pip check
echo "==> ruff"; ruff check .
echo "==> pytest"; python -m pytest "$@"
