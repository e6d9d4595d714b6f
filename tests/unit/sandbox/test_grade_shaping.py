"""Per-test outcomes, weights and hidden-test redaction of the code grader (no processes)."""

from __future__ import annotations

import json

import pytest

from assessment_engine.grading.code import grade_code, outcome_of, request_for, shape_parts
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import CodeLimits, CodeQuestion, CodeTestCase
from assessment_engine.sandbox.models import RunResult

SECRET = "S3CRET-hidden-data"


def question(**kw: object) -> CodeQuestion:
    tests = [
        CodeTestCase(name="visible", stdin="1 2", expected_stdout="3", weight=1),
        CodeTestCase(
            name=f"call {SECRET}",
            call=f"f('{SECRET}')",
            expected_value=SECRET,
            weight=3,
            hidden=True,
        ),
    ]
    return CodeQuestion(id="q", text="t", tests=tuple(tests), **kw)


def ok(stdout: str = "", value: object = None) -> RunResult:
    value_json = None if value is None else json.dumps(value)
    return RunResult(outcome="ok", layer="rlimit", stdout=stdout, value_json=value_json)


def test_wrong_stdout_shows_expected_and_actual_for_visible_tests() -> None:
    test = question().tests[0]
    assert outcome_of(test, ok("3\n")) == ("passed", "passed")
    outcome, detail = outcome_of(test, ok("4\n"))
    assert outcome == "wrong_answer"
    assert "'3'" in detail
    assert "'4\\n'" in detail


def test_call_value_compared_outside_the_sandbox() -> None:
    test = question().tests[1]
    assert outcome_of(test, ok(value=SECRET))[0] == "passed"
    assert outcome_of(test, ok(value="nope"))[0] == "wrong_answer"


def test_failed_run_carries_reason_and_traceback() -> None:
    result = RunResult(
        outcome="runtime_error",
        layer="rlimit",
        reason="ValueError raised",
        traceback='File "solution.py", line 1',
    )
    outcome, detail = outcome_of(question().tests[0], result)
    assert outcome == "runtime_error"
    assert "ValueError raised" in detail
    assert "solution.py" in detail


def test_weights_share_the_question_and_hidden_tests_lose_their_data() -> None:
    q = question()
    outcomes = [("wrong_answer", f"wrong_answer: {SECRET}"), ("runtime_error", SECRET)]
    fraction, parts = shape_parts(q, [("passed", "passed"), ("passed", "passed")])
    assert fraction == pytest.approx(1.0)
    fraction, parts = shape_parts(q, [("passed", "passed"), outcomes[1]])
    assert fraction == pytest.approx(0.25)
    assert [p.max_score for p in parts] == pytest.approx([0.25, 0.75])
    assert parts[1].part == "hidden test 1"
    assert parts[1].detail == "runtime_error"
    assert SECRET not in json.dumps([p.model_dump() for p in parts])


def test_zero_total_weight_counts_tests_equally() -> None:
    tests = (CodeTestCase(name="a", weight=0), CodeTestCase(name="b", weight=0))
    q = CodeQuestion(id="q", text="t", tests=tests)
    fraction, _parts = shape_parts(q, [("passed", "passed"), ("wrong_answer", "x")])
    assert fraction == pytest.approx(0.5)


def test_expected_values_never_enter_the_run_request() -> None:
    q = question()
    limits = CodeLimits(cpu_seconds=0.5, memory_mb=32)
    request = request_for("src", q.tests[1], limits)
    assert request.call == f"f('{SECRET}')"
    assert "expected" not in request.model_dump_json()
    assert request.limits.cpu_seconds == 0.5
    assert request.limits.memory_mb == 32


@pytest.mark.parametrize("response", [42, ["print(1)"], {"source": "x"}, "a\x00b", "x" * 200_001])
def test_wrong_shape_responses_are_rejected_before_running(response: object) -> None:
    with pytest.raises(InvalidResponseError):
        grade_code(question(), response)  # type: ignore[arg-type]


def test_unanswered_scores_zero_without_running() -> None:
    grade = grade_code(question(points=2), None)
    assert (grade.score, grade.max_score) == (0.0, 2.0)
    assert [p.detail for p in grade.parts] == ["not_answered", "not_answered"]
