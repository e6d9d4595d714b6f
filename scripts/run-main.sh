#!/usr/bin/env bash
# The README's main-job command: set up, then run the main job (extra arguments pass through).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec assessment-engine surge "$@"
