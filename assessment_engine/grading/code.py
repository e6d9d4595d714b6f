"""Code questions: run the student's Python against the question's tests in the sandbox.

Called lazily by ``assessment_engine.grading.engine`` for questions of type ``code``, on grader
workers and inside the Lambda function alike. The response is the student's source as a JSON
string (anything else raises ``InvalidResponseError``; ``None`` means not answered). Each test
is one fresh sandboxed run (``assessment_engine.sandbox``): stdin/stdout tests compare the
output (``exact``, ``strip``: trailing spaces per line and blank edges ignored, ``whitespace``:
token sequences, ``float``: tokens with numbers compared within ``float_tolerance``); call tests
evaluate ``call`` in the program's namespace inside the sandbox and compare the JSON value with
``expected_value`` (``float`` tolerates numeric differences; ``strip``/``whitespace`` apply to
strings). A stdin test without ``expected_stdout`` passes when the program ends normally.

Expected values never enter the sandbox. Parts list every test in order with its outcome
(``passed``, ``wrong_answer``, ``time_limit``, ``memory_limit``, ``output_limit``,
``runtime_error``, ``internal_error``); hidden tests appear as ``hidden test N`` with the outcome
only (no stdin, expected or actual data, no traceback). Scores are per-test weights over their
sum. The grade is deterministic for deterministic programs (fixed hash seed, no timing in it).
Spawns processes but touches no network, Redis or files outside the sandbox's temporary dirs;
``SandboxError`` propagates when the sandbox machinery itself fails (the pool has already
retried once on a fresh zygote), so the job can be retried rather than scored.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from pydantic import JsonValue

from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import CodeLimits, CodeQuestion, CodeTestCase, Grade
from assessment_engine.grading.outcome import Outcome, build_grade, part
from assessment_engine.grading.version import GRADER_VERSION
from assessment_engine.sandbox import RunLimits, RunRequest, RunResult, default_pool

log = logging.getLogger(__name__)
Compare = str
SHOWN_CHARS = 300
MAX_SOURCE_BYTES = 200_000


# --- comparison (pure) ------------------------------------------------------------------
def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]


def _close(expected: float, actual: float, tolerance: float) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=tolerance, abs_tol=tolerance)


def _tokens_match(expected: str, actual: str, tolerance: float) -> bool:
    try:
        return _close(float(expected), float(actual), tolerance)
    except ValueError:
        return expected == actual


def outputs_match(expected: str, actual: str, compare: Compare, tolerance: float = 1e-6) -> bool:
    """Compare program output with the expected output under one of the comparison options."""
    if compare == "exact":
        return expected == actual
    if compare == "strip":
        return _lines(expected) == _lines(actual)
    wanted, got = expected.split(), actual.split()
    if compare == "whitespace":
        return wanted == got
    return len(wanted) == len(got) and all(
        _tokens_match(w, g, tolerance) for w, g in zip(wanted, got, strict=True)
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def values_match(expected: Any, actual: Any, compare: Compare, tolerance: float = 1e-6) -> bool:
    """Compare a call's JSON value with the expected value (recursively)."""
    if _is_number(expected) and _is_number(actual):
        if compare == "float":
            return _close(float(expected), float(actual), tolerance)
        return bool(expected == actual)
    if isinstance(expected, str) and isinstance(actual, str):
        if compare in ("strip", "whitespace"):
            return outputs_match(expected, actual, compare)
        return expected == actual
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            values_match(e, a, compare, tolerance) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            values_match(expected[k], actual[k], compare, tolerance) for k in expected
        )
    return type(expected) is type(actual) and bool(expected == actual)


def _json_normalised(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return value


# --- one test ---------------------------------------------------------------------------
def run_limits(limits: CodeLimits) -> RunLimits:
    """The sandbox limits of a question's ``CodeLimits``."""
    return RunLimits(
        cpu_seconds=limits.cpu_seconds,
        wall_seconds=limits.wall_seconds,
        memory_mb=limits.memory_mb,
        output_bytes=limits.output_bytes,
        processes=limits.processes,
    )


def request_for(source: str, test: CodeTestCase, limits: CodeLimits) -> RunRequest:
    """The sandbox run of one test: the program, stdin and call; never the expected values."""
    return RunRequest(source=source, stdin=test.stdin, call=test.call, limits=run_limits(limits))


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


def outcome_of(test: CodeTestCase, result: RunResult) -> tuple[str, str]:
    """(outcome, detail for a visible test) of one run, comparing outside the sandbox."""
    if result.outcome != "ok":
        detail = f"{result.outcome}: {result.reason}"
        if result.traceback:
            detail += "\n" + result.traceback
        return result.outcome, detail
    if test.call is not None:
        actual = json.loads(result.value_json) if result.value_json is not None else None
        expected = _json_normalised(test.expected_value)
        if values_match(expected, actual, test.compare, test.float_tolerance):
            return "passed", "passed"
        shown = (_shown(json.dumps(expected)), _shown(result.value_json or "null"))
        return "wrong_answer", f"wrong_answer: {test.call} expected {shown[0]}, got {shown[1]}"
    if test.expected_stdout is None or outputs_match(
        test.expected_stdout, result.stdout, test.compare, test.float_tolerance
    ):
        return "passed", "passed"
    wanted, got = _shown(test.expected_stdout), _shown(result.stdout)
    return "wrong_answer", f"wrong_answer: expected output {wanted}, got {got}"


# --- the grade --------------------------------------------------------------------------
def _source(question: CodeQuestion, response: JsonValue) -> str:
    if not isinstance(response, str):
        raise InvalidResponseError(question.id, "a code response is the program's source text")
    too_long = len(response) > MAX_SOURCE_BYTES
    if too_long or len(response.encode("utf-8", errors="replace")) > MAX_SOURCE_BYTES:
        raise InvalidResponseError(question.id, f"source longer than {MAX_SOURCE_BYTES} bytes")
    if "\x00" in response:
        raise InvalidResponseError(question.id, "source contains a NUL character")
    return response


def shape_parts(
    question: CodeQuestion, outcomes: list[tuple[str, str]]
) -> tuple[float, tuple[Any, ...]]:
    """Weighted fraction and the parts list; hidden tests lose every piece of their data."""
    weights = [t.weight for t in question.tests]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(weights), float(len(weights))
    parts = []
    fraction = 0.0
    hidden_number = 0
    for test, weight, (outcome, detail) in zip(question.tests, weights, outcomes, strict=True):
        share = weight / total
        passed = outcome == "passed"
        fraction += share if passed else 0.0
        if test.hidden:
            hidden_number += 1
            parts.append(
                part(f"hidden test {hidden_number}", share * passed, share, passed, outcome)
            )
        else:
            parts.append(part(test.name, share * passed, share, passed, detail))
    return fraction, tuple(parts)


def grade_code(question: CodeQuestion, response: JsonValue) -> Grade:
    """Grade a code response (see module docstring).

    May run twice for one submission (at-least-once delivery): it has no effect beyond temporary
    processes and directories, and the same inputs give the same grade; the caller's result is
    keyed by submission id + key version.
    """
    if response is None:
        outcomes = [("not_answered", "not_answered")] * len(question.tests)
        _, parts = shape_parts(question, outcomes)
        return build_grade(question, "code", Outcome(0.0, parts), GRADER_VERSION)
    source = _source(question, response)
    pool = default_pool()
    requests = [request_for(source, test, question.limits) for test in question.tests]
    results = pool.run_many(requests)
    outcomes = [outcome_of(t, r) for t, r in zip(question.tests, results, strict=True)]
    fraction, parts = shape_parts(question, outcomes)
    log.info(
        "code question graded",
        extra={
            "question_id": question.id,
            "sandbox_layer": pool.layer,
            "tests": len(outcomes),
            "passed": sum(o == "passed" for o, _ in outcomes),
        },
    )
    return build_grade(question, "code", Outcome(fraction, parts), GRADER_VERSION)
