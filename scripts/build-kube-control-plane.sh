#!/usr/bin/env bash
# Builds the real Kubernetes control plane the kube test tier runs against: kube-apiserver from
# k8s.io/kubernetes and etcd from go.etcd.io/etcd/server/v3, both from the Go module proxy.
#
# k8s.io/kubernetes cannot be built with `go install ...@version`: its go.mod replaces every
# k8s.io/* staging module with ./staging/src/..., a tree the module zip leaves out. So each binary
# is built inside a small throwaway wrapper module that requires the upstream module and replaces
# each staging module with its published v0.X.Y release (the same code, tagged from staging/).
# etcd gets a wrapper of its own so the two dependency graphs never share versions.
#
# Binaries are cached under $EXAM_KUBE_CACHE (default ~/.cache/exam-overflow/kube/<versions>/bin)
# and reused when present, so only a fresh machine pays the build. Idempotent, no arguments.
# Prints the bin directory on the last line of stdout; everything else goes to stderr.
set -euo pipefail

KUBE_VERSION="${EXAM_KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${EXAM_ETCD_VERSION:-v3.7.3}"
CACHE_ROOT="${EXAM_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/exam-overflow/kube}"
DEST="$CACHE_ROOT/kube-apiserver-$KUBE_VERSION-etcd-$ETCD_VERSION"
BIN="$DEST/bin"

say() { echo "==> $*" >&2; }

if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ]; then
  say "control plane binaries cached in $BIN"
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "error: 'go' is not on PATH; the kube test tier needs Go 1.26+ to build kube-apiserver and etcd" >&2
  exit 1
fi

minor="${KUBE_VERSION#v1.}"
minor="${minor%%.*}"
patch="${KUBE_VERSION##*.}"
STAGING_VERSION="v0.$minor.$patch"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/exam-kube-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEST"
LOG="$DEST/build.log"
: >"$LOG"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -v); fi

# Runs "$@" with its output in the build log, under /usr/bin/time -v when present, so the log
# records wall time and peak memory of each step (docs/operator.md quotes them).
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

# --- kube-apiserver -------------------------------------------------------------------------
say "building kube-apiserver $KUBE_VERSION (first build takes several minutes; log: $LOG)"
(
  cd "$WORK"
  mkdir kube && cd kube
  go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >"$WORK/kubernetes.json"
  upstream_mod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' "$WORK/kubernetes.json")"
  go_line="$(grep -m1 '^go ' "$upstream_mod")"
  {
    echo "module example.invalid/exam-kube-apiserver"
    echo
    echo "$go_line"
    grep -m1 '^godebug ' "$upstream_mod" || true
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    # Every module upstream points into ./staging/ gets its published release instead.
    sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$upstream_mod" |
      while read -r staged; do echo "	$staged => $staged $STAGING_VERSION"; done
    echo ")"
  } >go.mod
  echo "### wrapper go.mod for kube-apiserver" >>"$LOG"
  cat go.mod >>"$LOG"
  cat >tools.go <<'EOF'
//go:build tools

// Package tools pins the upstream command so `go mod tidy` resolves its whole import graph.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
EOF
  step "resolving kube-apiserver dependencies" go mod tidy
  build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w"
  for kv in "gitVersion=$KUBE_VERSION" "gitMajor=1" "gitMinor=$minor" \
    "gitTreeState=clean" "buildDate=$build_date"; do
    ldflags="$ldflags -X k8s.io/component-base/version.$kv"
  done
  step "compiling kube-apiserver" go build -trimpath -ldflags "$ldflags" \
    -o "$BIN/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$BIN/kube-apiserver.tmp" "$BIN/kube-apiserver"
)

# --- etcd -----------------------------------------------------------------------------------
say "building etcd $ETCD_VERSION"
(
  cd "$WORK"
  mkdir etcd && cd etcd
  cat >go.mod <<EOF
module example.invalid/exam-etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  cat >tools.go <<'EOF'
//go:build tools

// Package tools pins the upstream command so `go mod tidy` resolves its whole import graph.
package tools

import _ "go.etcd.io/etcd/server/v3"
EOF
  step "resolving etcd dependencies" go mod tidy
  step "compiling etcd" go build -trimpath \
    -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=release-$ETCD_VERSION" \
    -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
)

echo "### total: ${SECONDS}s" >>"$LOG"
say "built in ${SECONDS}s"
"$BIN/kube-apiserver" --version >&2
"$BIN/etcd" --version >&2
ls -l "$BIN" >&2
echo "$BIN"
