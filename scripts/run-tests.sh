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
echo "==> tsc (web pages, type-check)"; (cd platform_services/web/frontend && npx --no-install tsc --noEmit -p tsconfig.json)
# The kube tier (tests/kube) runs a real kube-apiserver + etcd built from Go modules; the first
# run on a machine builds them (about 15 min on 2 cores), later runs reuse the cached binaries.
echo "==> kube-apiserver + etcd for tests/kube"
EXAM_KUBE_BIN="$(bash "$ROOT/scripts/build-kube-control-plane.sh")"
export EXAM_KUBE_BIN
# The Prometheus Operator's CRDs (PodMonitor, PrometheusRule) for the manifests' dry run,
# generated from its Go API module with controller-gen (seconds; cached like the binaries).
echo "==> Prometheus Operator CRDs for tests/kube"
EXAM_PROMETHEUS_CRDS="$(bash "$ROOT/scripts/build-prometheus-operator-crds.sh")"
export EXAM_PROMETHEUS_CRDS
# Reproducible property tests: the fixed "ci" hypothesis profile (tests/conftest.py) unless asked.
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
echo "==> pytest (hypothesis profile: $HYPOTHESIS_PROFILE)"; python -m pytest "$@"
