"""Comparison options of code tests: stdout text and call values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_engine.grading.code import outputs_match, values_match


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
