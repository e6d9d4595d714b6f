#!/usr/bin/env bash
# The README's test command: set up, check dependencies, lint, type-check, then every test tier.
# Extra arguments go to pytest (e.g. `bash scripts/run-tests.sh tests/unit -x`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
echo "==> pip check"; python -m pip check
echo "==> ruff"; ruff check . && ruff format --check assessment_engine overflow_functions autoscaler_operator platform_services tests benchmarks
echo "==> mypy (strict for source)"
mypy assessment_engine overflow_functions autoscaler_operator platform_services
echo "==> tsc (web pages, type-check)"; (cd platform_services/web/frontend && npx --no-install tsc --noEmit -p tsconfig.json)
echo "==> pytest"; python -m pytest "$@"
