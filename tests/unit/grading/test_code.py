"""The code grader without processes: comparison options (stdout text and call values),
per-test outcomes, weights and hidden-test redaction."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_engine.grading.code import (
    grade_code,
    outcome_of,
    outputs_match,
    request_for,
    shape_parts,
    values_match,
)
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import CodeLimits, CodeQuestion, CodeTestCase
from assessment_engine.sandbox.models import RunResult

SECRET = "S3CRET-hidden-data"


def test_exact_needs_identical_text() -> None:
    assert outputs_match("3\n", "3\n", "exact")
    assert not outputs_match("3\n", "3", "exact")
    assert not outputs_match("3\n", "3 \n", "exact")


def test_strip_ignores_trailing_spaces_per_line_and_blank_edges() -> None:
    assert outputs_match("a b\nc", "\na b  \r\nc\n\n", "strip")
    assert not outputs_match("a b\nc", "a  b\nc", "strip")
    assert not outputs_match("a\nb", "a b", "strip")


def test_whitespace_compares_token_sequences() -> None:
    assert outputs_match("1 2\n3", "1\t2 3   ", "whitespace")
    assert not outputs_match("1 2 3", "1 2 3 4", "whitespace")


def test_float_tolerates_small_numeric_differences_only() -> None:
    assert outputs_match("0.3 x", "0.30000000000000004 x", "float", 1e-9)
    assert outputs_match("100.0", "100.00005", "float", 1e-6)
    assert not outputs_match("1.0", "1.1", "float", 1e-3)
    assert not outputs_match("1.0 a", "1.0 b", "float")
    assert not outputs_match("1 2", "1", "float")
    assert outputs_match("nan", "NaN", "float")


@pytest.mark.parametrize(
    ("expected", "actual", "compare", "same"),
    [
        (5, 5, "exact", True),
        (5, 5.0, "exact", True),
        (True, 1, "exact", False),
        (0.3, 0.1 + 0.2, "exact", False),
        (0.3, 0.1 + 0.2, "float", True),
        ([1, [2.0, 3]], [1, [2.0000000001, 3]], "float", True),
        ({"a": 1}, {"a": 1, "b": 2}, "exact", False),
        ({"a": "x "}, {"a": "x"}, "strip", True),
        ("a  b", "a b", "whitespace", True),
        ("a  b", "a b", "exact", False),
        (None, None, "exact", True),
        (None, 0, "exact", False),
        ([1, 2], [1, 2, 3], "float", False),
    ],
)
def test_values_match(expected: object, actual: object, compare: str, same: bool) -> None:
    assert values_match(expected, actual, compare) is same


@given(st.text())
def test_every_output_matches_itself_under_every_option(text: str) -> None:
    for compare in ("exact", "strip", "whitespace", "float"):
        assert outputs_match(text, text, compare)


@given(st.floats(min_value=-1e300, max_value=1e300))
def test_float_value_matches_within_relative_tolerance(x: float) -> None:
    nudged = x * (1 + 1e-9)
    assert values_match(x, nudged, "float", 1e-6)


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
