"""Mapping of wait status, rusage, bounded output and the harness report to run outcomes."""

from __future__ import annotations

import json
import signal

from assessment_engine.sandbox.models import RunLimits, RunRequest
from assessment_engine.sandbox.verdict import RawRun, verdict

LIMITS = RunLimits(cpu_seconds=1.0, wall_seconds=2.0, memory_mb=64, output_bytes=2048)
STDIO = RunRequest(source="", limits=LIMITS)
CALL = RunRequest(source="", call="f()", limits=LIMITS)


def raw(status: int = 0, message: object = None, **kw: object) -> RawRun:
    fields: dict[str, object] = {
        "status": status,
        "cpu_seconds": 0.01,
        "wall_seconds": 0.02,
        "stdout": b"out\n",
        "stderr": b"",
        "report": b"" if message is None else json.dumps(message).encode(),
        "overflow": None,
        "wall_killed": False,
    }
    fields.update(kw)
    return RawRun(**fields)  # type: ignore[arg-type]


def exited(code: int) -> int:
    return code << 8


def test_clean_exit_with_report_is_ok() -> None:
    result = verdict(raw(0, {"status": "ok"}), STDIO, "namespaces")
    assert (result.outcome, result.stdout, result.layer) == ("ok", "out\n", "namespaces")


def test_call_value_comes_from_the_report() -> None:
    result = verdict(raw(0, {"status": "ok", "value": "[1, 2]"}), CALL, "rlimit")
    assert result.outcome == "ok"
    assert result.value_json == "[1, 2]"


def test_call_without_value_is_a_runtime_error() -> None:
    assert verdict(raw(0, {"status": "ok"}), CALL, "rlimit").outcome == "runtime_error"


def test_output_overflow_wins_over_everything() -> None:
    result = verdict(raw(signal.SIGKILL, overflow="stdout", wall_killed=True), STDIO, "rlimit")
    assert result.outcome == "output_limit"
    assert "2048" in result.reason


def test_cpu_watch_kill_is_a_cpu_time_limit_even_under_the_wall_kill() -> None:
    run = raw(signal.SIGKILL, cpu_seconds=1.01, wall_seconds=2.5, wall_killed=True, cpu_killed=True)
    result = verdict(run, STDIO, "namespaces")
    assert result.outcome == "time_limit"
    assert result.reason == "CPU time limit of 1 s exceeded"  # no timing: it reaches grades
    assert result.cpu_seconds == 1.01


def test_cpu_watch_kill_counts_even_when_rusage_rounds_below_the_limit() -> None:
    result = verdict(raw(signal.SIGKILL, cpu_seconds=0.999, cpu_killed=True), STDIO, "rlimit")
    assert result.outcome == "time_limit"


def test_sigkill_without_any_limit_is_a_runtime_error() -> None:
    result = verdict(raw(signal.SIGKILL), STDIO, "rlimit")
    assert (result.outcome, result.reason) == ("runtime_error", "killed by SIGKILL")


def test_wall_kill_is_a_time_limit() -> None:
    result = verdict(raw(signal.SIGKILL, wall_killed=True), STDIO, "rlimit")
    assert result.outcome == "time_limit"
    assert "wall-clock" in result.reason


def test_sigxcpu_or_cpu_over_limit_is_a_time_limit() -> None:
    assert verdict(raw(signal.SIGXCPU), STDIO, "rlimit").outcome == "time_limit"
    over = raw(0, {"status": "ok"}, cpu_seconds=1.5)
    assert verdict(over, STDIO, "rlimit").outcome == "time_limit"


def test_memory_error_is_a_memory_limit() -> None:
    report = {"status": "exception", "type": "MemoryError", "traceback": "MemoryError"}
    result = verdict(raw(0, report), STDIO, "rlimit")
    assert result.outcome == "memory_limit"
    assert "64 MB" in result.reason


def test_exception_keeps_type_and_traceback() -> None:
    report = {"status": "exception", "type": "ValueError", "traceback": "tb"}
    result = verdict(raw(0, report), STDIO, "rlimit")
    assert (result.outcome, result.error_type, result.traceback) == (
        "runtime_error",
        "ValueError",
        "tb",
    )


def test_other_signal_is_a_runtime_error_naming_it() -> None:
    result = verdict(raw(signal.SIGSEGV), STDIO, "rlimit")
    assert result.outcome == "runtime_error"
    assert "SIGSEGV" in result.reason


def test_nonzero_exit_is_a_runtime_error() -> None:
    result = verdict(raw(0, {"status": "exit", "code": 3}), STDIO, "rlimit")
    assert (result.outcome, result.reason) == ("runtime_error", "exited with status 3")
    assert verdict(raw(exited(2)), STDIO, "rlimit").outcome == "runtime_error"


def test_hard_exit_zero_without_report_counts_its_output_for_stdio_only() -> None:
    assert verdict(raw(0), STDIO, "rlimit").outcome == "ok"
    assert verdict(raw(0), CALL, "rlimit").outcome == "runtime_error"


def test_garbage_report_is_not_trusted() -> None:
    result = verdict(raw(exited(1), None, report=b"\xff{not json"), STDIO, "rlimit")
    assert result.outcome == "runtime_error"


def test_invalid_utf8_output_is_replaced_not_fatal() -> None:
    result = verdict(raw(0, {"status": "ok"}, stdout=b"\xff\xfe ok"), STDIO, "rlimit")
    assert result.stdout.endswith(" ok")


def test_forged_or_invalid_call_values_are_runtime_errors() -> None:
    for value in ("{not json", "[" * 100_000, 42):
        result = verdict(raw(0, {"status": "ok", "value": value}), CALL, "rlimit")
        assert result.outcome == "runtime_error"
        assert result.value_json is None


def test_deeply_nested_report_is_a_runtime_error_not_an_exception() -> None:
    # finding 6: os.write(4, b"[" * 100000); os._exit(0) used to raise RecursionError
    result = verdict(raw(0, report=b"[" * 100_000), STDIO, "rlimit")
    assert result.outcome == "runtime_error"
    assert "malformed" in result.reason


def test_deeply_nested_call_value_is_a_runtime_error() -> None:
    forged = {"status": "ok", "value": "[" * 50_000 + "]" * 50_000}
    result = verdict(raw(0, forged), CALL, "rlimit")
    assert (result.outcome, result.value_json) == ("runtime_error", None)


def test_oversized_report_is_a_runtime_error() -> None:
    from assessment_engine.sandbox.verdict import REPORT_MAX_BYTES

    forged = b'{"status": "ok", "pad": "' + b"x" * REPORT_MAX_BYTES + b'"}'
    result = verdict(raw(0, report=forged), STDIO, "rlimit")
    assert result.outcome == "runtime_error"


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    from assessment_engine.sandbox.verdict import json_depth_within

    assert json_depth_within('{"a": "[[[[[[[[[[[[[[[[\\"[[[["}', 2)
    assert not json_depth_within("[[[[1]]]]", 3)
    assert json_depth_within("[[[[1]]]]", 4)


def test_a_time_limit_still_wins_over_a_malformed_report() -> None:
    result = verdict(raw(0, report=b"{{{", cpu_killed=True), STDIO, "rlimit")
    assert result.outcome == "time_limit"
