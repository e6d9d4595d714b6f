"""Pure mapping from what a run did (wait status, rusage, bounded output, report) to an outcome.

Called by ``zygote.Zygote.run``; unit-tested without processes. The report written by the
harness inside the sandbox is untrusted (student code shares its process): it is parsed
defensively and only ever *adds* failure reasons or the call's value, which is compared with
expected values outside the sandbox. Limits come from the kernel's view (wait status, rusage),
never from the report.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from typing import Any

from assessment_engine.sandbox.models import Layer, RunRequest, RunResult

STATUS_INTERNAL = 70
_MEMORY_ERRORS = frozenset({"MemoryError"})


@dataclass(frozen=True)
class RawRun:
    status: int
    cpu_seconds: float
    wall_seconds: float
    stdout: bytes
    stderr: bytes
    report: bytes
    overflow: str | None
    wall_killed: bool
    cpu_killed: bool = False  # the zygote saw the run's CPU clock pass the limit and killed it


def _report(data: bytes) -> dict[str, Any]:
    try:
        report = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    return report if isinstance(report, dict) else {}


def _is_json(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except (ValueError, RecursionError):  # forged by the program: it shares the harness process
        return False
    return True


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _classify(raw: RawRun, request: RunRequest, report: dict[str, Any]) -> dict[str, Any]:
    limits = request.limits
    exit_code = os.WEXITSTATUS(raw.status) if os.WIFEXITED(raw.status) else None
    sig = os.WTERMSIG(raw.status) if os.WIFSIGNALED(raw.status) else None
    base: dict[str, Any] = {"exit_code": exit_code, "signal": sig}
    if raw.overflow is not None:
        cap = limits.stderr_bytes if raw.overflow == "stderr" else limits.output_bytes
        return base | {"outcome": "output_limit", "reason": f"{raw.overflow} exceeded {cap} bytes"}
    cpu_exceeded = raw.cpu_killed or sig == signal.SIGXCPU or raw.cpu_seconds > limits.cpu_seconds
    if raw.wall_killed and not raw.cpu_killed:
        reason = f"wall-clock limit of {limits.wall_seconds:g} s exceeded"
        return base | {"outcome": "time_limit", "reason": reason}
    if cpu_exceeded:  # the measured CPU time is the result's cpu_seconds, not in the reason:
        # reasons reach grade details, which must not depend on timing
        reason = f"CPU time limit of {limits.cpu_seconds:g} s exceeded"
        return base | {"outcome": "time_limit", "reason": reason}
    status = report.get("status")
    if sig is not None:
        return base | {"outcome": "runtime_error", "reason": f"killed by {_signal_name(sig)}"}
    if status == "exception":
        error_type = str(report.get("type", "Exception"))[:100]
        outcome = "memory_limit" if error_type in _MEMORY_ERRORS else "runtime_error"
        reason = (
            f"memory limit of {limits.memory_mb} MB exceeded"
            if outcome == "memory_limit"
            else f"{error_type} raised"
        )
        trace = str(report.get("traceback", ""))[:4000]
        return base | {
            "outcome": outcome,
            "reason": reason,
            "error_type": error_type,
            "traceback": trace,
        }
    if status == "exit":
        reason = f"exited with status {report.get('code')}"
        return base | {"outcome": "runtime_error", "reason": reason}
    if status == "unserialisable":
        kind = str(report.get("type", "?"))[:100]
        return base | {
            "outcome": "runtime_error",
            "error_type": "TypeError",
            "reason": f"the call returned a {kind}, which is not JSON-serialisable",
        }
    if status == "ok" and exit_code == 0:
        value = report.get("value") if request.call is not None else None
        if request.call is not None and not _is_json(value):
            return base | {"outcome": "runtime_error", "reason": "no valid value reported"}
        return base | {"outcome": "ok", "value_json": value}
    if exit_code == 0 and request.call is None:
        return base | {"outcome": "ok"}  # os._exit(0): the output is what counts
    if exit_code == STATUS_INTERNAL and not report:
        return base | {
            "outcome": "runtime_error",
            "reason": "the program ended the sandbox harness (exit status 70)",
        }
    return base | {"outcome": "runtime_error", "reason": f"exited with status {exit_code}"}


def verdict(raw: RawRun, request: RunRequest, layer: Layer) -> RunResult:
    """The outcome of one run, from the kernel's view first and the report second."""
    fields = _classify(raw, request, _report(raw.report))
    return RunResult(
        layer=layer,
        stdout=raw.stdout.decode("utf-8", errors="replace"),
        stderr=raw.stderr.decode("utf-8", errors="replace"),
        cpu_seconds=round(raw.cpu_seconds, 4),
        wall_seconds=round(raw.wall_seconds, 4),
        **fields,
    )
