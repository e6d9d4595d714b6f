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
# The harness's report is a flat object whose "value" is a JSON string: real ones nest at most
# a couple of levels. Anything bigger or deeper is forged (the program shares the harness's
# process) and is a runtime error for that run, never an exception out of grade().
REPORT_MAX_BYTES = 10_500_000
REPORT_MAX_DEPTH = 8
MAX_VALUE_DEPTH = 64


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


def json_depth_within(text: str | bytes, limit: int) -> bool:
    """Whether the brackets of a JSON text nest at most ``limit`` deep (strings skipped).

    Linear, iterative, no recursion: checked before ``json.loads`` so that a forged report of
    100,000 ``[`` costs one scan instead of a ``RecursionError``.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return True
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def parse_bounded(text: str | bytes, max_bytes: int, max_depth: int) -> object:
    """``json.loads`` with size and depth bounds; raises ``ValueError`` beyond them."""
    if len(text) > max_bytes:
        raise ValueError("JSON text too large")
    if not json_depth_within(text, max_depth):
        raise ValueError("JSON nested too deep")
    try:
        return json.loads(text)
    except RecursionError as exc:  # belt and braces: the depth check should make it unreachable
        raise ValueError("JSON nested too deep") from exc


def _report(data: bytes) -> dict[str, Any] | None:
    """The parsed report; {} when there is none, None when it is malformed or out of bounds."""
    if not data:
        return {}
    try:
        report = parse_bounded(data, REPORT_MAX_BYTES, REPORT_MAX_DEPTH)
    except (ValueError, UnicodeDecodeError):
        return None
    return report if isinstance(report, dict) else None


def _is_json(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_bounded(value, REPORT_MAX_BYTES, MAX_VALUE_DEPTH)
    except ValueError:  # forged by the program: it shares the harness process
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
    report = _report(raw.report)
    fields = _classify(raw, request, report or {})
    if report is None and fields["outcome"] == "ok":  # limits and signals still come first
        fields |= {
            "outcome": "runtime_error",
            "reason": "the sandbox report was malformed (the program wrote to the harness)",
            "value_json": None,
        }
    return RunResult(
        layer=layer,
        stdout=raw.stdout.decode("utf-8", errors="replace"),
        stderr=raw.stderr.decode("utf-8", errors="replace"),
        cpu_seconds=round(raw.cpu_seconds, 4),
        wall_seconds=round(raw.wall_seconds, 4),
        **fields,
    )
