"""Small helpers for the sandbox integration tests."""

from __future__ import annotations

import os

from assessment_engine.sandbox import RunLimits, RunRequest, RunResult, SandboxPool

FAST = RunLimits(cpu_seconds=1.0, wall_seconds=2.0, memory_mb=64, output_bytes=4096)
HEALTHY = "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))"


def run(
    pool: SandboxPool,
    source: str,
    *,
    defence: str = "all",
    stdin: str = "",
    limits: RunLimits = FAST,
    call: str | None = None,
) -> RunResult:
    return pool.run(
        RunRequest(
            source=source,
            stdin=stdin,
            call=call,
            limits=limits,
            audit_hook=defence == "all",
            seccomp=defence != "os-only",
        )
    )


def assert_healthy(pool: SandboxPool) -> None:
    """A normal submission right after a hostile one still passes."""
    result = run(pool, HEALTHY, stdin="2 3 4")
    assert (result.outcome, result.stdout) == ("ok", "9\n"), result


def runs_as_root_host(pool: SandboxPool) -> bool:
    """True when the pool's zygotes run as host root (they must drop to an unprivileged uid)."""
    return os.geteuid() == 0 and pool.user is None
