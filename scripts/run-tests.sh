#!/usr/bin/env bash
# The README's test command: set up, check dependencies, lint, import contracts, type-check,
# then every test tier.
# Extra arguments go to pytest (e.g. `bash scripts/run-tests.sh tests/unit -x`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
echo "==> pip check"; python -m pip check
echo "==> ruff"; ruff check . && ruff format --check assessment_engine overflow_functions autoscaler_operator platform_services exam_stack tests benchmarks
echo "==> import contracts (layers: pyproject.toml [tool.importlinter])"; lint-imports --no-cache
echo "==> mypy (strict for source)"
mypy assessment_engine overflow_functions autoscaler_operator platform_services exam_stack
# Reproducible property tests: the fixed "ci" hypothesis profile (tests/conftest.py) unless asked.
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
echo "==> pytest (hypothesis profile: $HYPOTHESIS_PROFILE)"; python -m pytest "$@"
