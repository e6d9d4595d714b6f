#!/usr/bin/env bash
# Generates the Prometheus Operator's CRDs (monitoring.coreos.com: PodMonitor, PrometheusRule,
# ServiceMonitor, ...) from their Go API types, for the kube tier's server-side dry run of the
# monitoring component.
#
# The repository module github.com/prometheus-operator/prometheus-operator (the one that ships
# the YAML) is refused by the Go module proxy here, but its API types are a module of their own,
# github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring, and the CRDs upstream
# publishes are generated from those types by controller-gen. So: build controller-gen
# (sigs.k8s.io/controller-tools), download the API module through a throwaway wrapper module,
# and run controller-gen over it. A few seconds once the modules are cached.
#
# Output is cached under $EXAM_KUBE_CACHE (default ~/.cache/exam-overflow/kube/<versions>/crds)
# and reused when present. Idempotent, no arguments. Prints the CRD directory on the last line
# of stdout; everything else goes to stderr.
set -euo pipefail

PO_VERSION="${EXAM_PROMETHEUS_OPERATOR_VERSION:-v0.95.2}"
CG_VERSION="${EXAM_CONTROLLER_GEN_VERSION:-v0.23.0}"
CACHE_ROOT="${EXAM_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/exam-overflow/kube}"
DEST="$CACHE_ROOT/prometheus-operator-crds-$PO_VERSION-controller-gen-$CG_VERSION"
CRDS="$DEST/crds"
MODULE="github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring"

say() { echo "==> $*" >&2; }

if [ -f "$CRDS/monitoring.coreos.com_podmonitors.yaml" ] && [ -f "$CRDS/monitoring.coreos.com_prometheusrules.yaml" ]; then
  say "Prometheus Operator CRDs cached in $CRDS"
  echo "$CRDS"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: 'go' is not on PATH; generating the Prometheus Operator CRDs needs Go" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/exam-po-crds.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEST/bin"
LOG="$DEST/build.log"
: >"$LOG"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -v); fi
START=$SECONDS

step() {
  local name="$1"
  shift
  say "$name"
  echo "### $name: $*" >>"$LOG"
  if ! "${TIME[@]}" "$@" >>"$LOG" 2>&1; then
    echo "error: '$name' failed; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
  fi
}

step "building controller-gen" env GOBIN="$DEST/bin" go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CG_VERSION"

cd "$WORK"
cat >go.mod <<EOF
module example.invalid/exam-prometheus-operator-crds

go 1.24

require $MODULE $PO_VERSION
EOF
cat >tools.go <<EOF
//go:build tools

// Package tools pins the API module so \`go mod tidy\` resolves it and its imports.
package tools

import _ "$MODULE/v1"
EOF
step "resolving $MODULE@$PO_VERSION" go mod tidy
SRC="$(go list -m -f '{{.Dir}}' "$MODULE")"
rm -rf "$CRDS.tmp"
step "generating CRDs" "$DEST/bin/controller-gen" crd:crdVersions=v1 "paths=$SRC/..." "output:crd:dir=$CRDS.tmp"
rm -rf "$CRDS"
mv "$CRDS.tmp" "$CRDS"
echo "### total: $((SECONDS - START))s" >>"$LOG"
say "Prometheus Operator CRDs in $CRDS ($((SECONDS - START)) s)"
echo "$CRDS"
