"""Property-based tests (hypothesis) of grading invariants and hostile-input behaviour."""

from __future__ import annotations

import contextlib
import math
import re
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import (
    ClozeBlank,
    ClozeQuestion,
    FormulaQuestion,
    MatchingQuestion,
    MatchPair,
    OrderingGrading,
    OrderingQuestion,
    VariableRange,
)
from assessment_engine.grading.numparse import parse_number
from assessment_engine.grading.wildcard import PHP_TRIM, wildcard_match
from tests.unit.grading.factories import mc, num, sa

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

fractions = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
points = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


def _in_bounds(result):
    assert 0.0 <= result.score <= result.max_score + 1e-12
    assert 0.0 <= result.fraction <= 1.0
    assert math.isclose(
        result.score, result.fraction * result.max_score, rel_tol=1e-12, abs_tol=1e-12
    )


@FAST
@given(
    st.lists(fractions, min_size=2, max_size=8),
    st.booleans(),
    points,
    st.data(),
)
def test_choice_scores_stay_in_bounds_and_are_order_invariant(fracs, single, pts, data):
    q = mc(*[(f"o{i}", f) for i, f in enumerate(fracs)], single=single, points=pts)
    texts = [f"o{i}" for i in range(len(fracs))]
    chosen = data.draw(
        st.lists(st.sampled_from(texts), unique=True, max_size=1 if single else len(texts))
    )
    result = grade(q, list(chosen))
    _in_bounds(result)
    assert grade(q, list(chosen)) == result  # deterministic
    shuffled = data.draw(st.permutations(chosen))
    assert grade(q, list(shuffled)) == result


@FAST
@given(
    st.text(max_size=60),
    st.lists(st.tuples(st.text(max_size=12), st.floats(0, 1)), min_size=1, max_size=4),
)
def test_shortanswer_any_string_grades_in_bounds(response, answers):
    q = sa(*answers)
    result = grade(q, response)
    _in_bounds(result)
    assert grade(q, response) == result


def _reference(pattern: str, text: str, ignore_case: bool) -> bool:
    """Moodle's compare_string_with_wildcard, transcribed with Python's ``re``."""
    bits = re.split(r"(?<!\\)\*+", pattern)
    regex = "^" + ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits) + "$"
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(regex, text.strip(PHP_TRIM), flags) is not None


@settings(max_examples=600, deadline=None)
@given(
    st.text(alphabet="aAb*\\.\n", max_size=8),
    st.text(alphabet="aAb*\\.\n ", max_size=10),
    st.booleans(),
)
def test_wildcard_matcher_agrees_with_the_reference_regex(pattern, text, case_sensitive):
    assert wildcard_match(pattern, text, case_sensitive=case_sensitive) == _reference(
        pattern, text, not case_sensitive
    )


@FAST
@given(st.text(max_size=40))
def test_numerical_any_string_is_graded_or_rejected(response):
    q = num({"value": 1.5, "tolerance": 0.1, "fraction": 1.0}, {"value": None, "fraction": 0.2})
    try:
        result = grade(q, response)
    except InvalidResponseError:
        return
    _in_bounds(result)


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numerical_parses_every_float_repr_exactly(value):
    assert parse_number(repr(value)) == (value, "")


@FAST
@given(st.data(), st.integers(min_value=2, max_value=7))
def test_matching_and_ordering_in_bounds(data, n):
    lefts = [f"L{i}" for i in range(n)]
    rights = [f"R{i}" for i in range(n)]
    mq = MatchingQuestion(
        id="m",
        text="",
        pairs=tuple(MatchPair(left=a, right=b) for a, b in zip(lefts, rights, strict=True)),
    )
    keys = data.draw(st.lists(st.sampled_from(lefts), unique=True))
    response = {k: data.draw(st.sampled_from(rights)) for k in keys}
    _in_bounds(grade(mq, response))
    grading = data.draw(st.sampled_from(get_args(OrderingGrading)))
    oq = OrderingQuestion(id="o", text="", items=tuple(lefts), grading=grading)
    result = grade(oq, data.draw(st.permutations(lefts)))
    _in_bounds(result)
    assert grade(oq, list[JsonValue](lefts)).fraction == 1.0


@FAST
@given(st.dictionaries(st.sampled_from(["1", "2"]), st.one_of(st.none(), st.text(max_size=10))))
def test_cloze_missing_blanks_never_fail(response):
    q = ClozeQuestion(
        id="c",
        text="{#1} {#2}",
        blanks=(
            ClozeBlank(question=sa(("a*", 1.0))),
            ClozeBlank(weight=3, question=sa(("b", 1.0))),
        ),
    )
    _in_bounds(grade(q, response))


# --- formula: random expressions, deep nesting, huge exponents ------------------------------

atoms = st.sampled_from(["x", "y", "pi", "e", "0", "1", "2.5", "1e308", "1e-308", "-3"])
functions = st.sampled_from(
    ["sin", "cos", "tan", "asin", "acos", "atan", "sqrt", "exp", "log", "ln", "abs"]
)


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**"]), children).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        st.tuples(functions, children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-{c}"),
    )


expressions = st.recursive(atoms, _extend, max_leaves=40)
FORMULA = FormulaQuestion(
    id="f",
    text="",
    expected="x*y + sin(x)",
    variables={"x": VariableRange(low=-2, high=2), "y": VariableRange(low=0.5, high=3)},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_formula_random_expressions_grade_or_are_rejected(expression):
    try:
        result = grade(FORMULA, expression)
    except InvalidResponseError:
        return
    _in_bounds(result)
    assert grade(FORMULA, expression) == result


@pytest.mark.timeout(30)
@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["sin(", "-", "(", "x^", "exp(", "sqrt(-"]),
    st.integers(min_value=1, max_value=400),
)
def test_formula_deep_nesting_is_bounded(prefix, depth):
    expression = prefix * depth + "x" + ")" * (depth * prefix.count("("))
    with contextlib.suppress(InvalidResponseError):
        _in_bounds(grade(FORMULA, expression))


@pytest.mark.timeout(30)
@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["sampling", "symbolic"]))
def test_formula_huge_exponents_are_bounded(exponent, method):
    q = FORMULA.model_copy(update={"method": method})
    for expression in (
        f"x^{exponent}",
        f"(x+y+1)^{exponent}",
        f"2^2^2^2^{exponent}",
        f"(x^{exponent})^x",
    ):
        with contextlib.suppress(InvalidResponseError):
            _in_bounds(grade(q, expression))


@pytest.mark.timeout(30)
def test_huge_inputs_are_bounded():
    huge = "x" * 2_000_000
    with pytest.raises(InvalidResponseError):
        grade(FORMULA, huge)
    with pytest.raises(InvalidResponseError):
        grade(num({"value": 1, "fraction": 1}), "1" * 2_000_000)
    with pytest.raises(InvalidResponseError):
        grade(sa(("*x*", 1.0)), huge)
    _in_bounds(grade(sa(("*a*b*c*", 1.0)), "a" * 60_000))


@FAST
@given(
    st.lists(st.floats(min_value=0.1, max_value=10), min_size=1, max_size=4),
    st.data(),
)
def test_cloze_is_the_weighted_mean_of_its_blanks(weights, data):
    subs = [sa(("a*", 1.0), ("b*", 0.5), id=f"s{i}") for i in range(len(weights))]
    q = ClozeQuestion(
        id="c",
        text="",
        points=3.0,
        blanks=tuple(ClozeBlank(weight=w, question=s) for w, s in zip(weights, subs, strict=True)),
    )
    answers = {
        str(i + 1): data.draw(st.sampled_from(["apple", "banana", "cherry"]))
        for i in range(len(weights))
    }
    expected = sum(
        w * grade(s, answers[str(i + 1)]).fraction
        for i, (w, s) in enumerate(zip(weights, subs, strict=True))
    ) / sum(weights)
    result = grade(q, dict[str, JsonValue](answers))
    assert result.fraction == pytest.approx(expected)
    assert sum(p.score for p in result.parts) == pytest.approx(result.score)
    assert sum(p.max_score for p in result.parts) == pytest.approx(result.max_score)


secret = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=12, max_size=16).map(
    lambda s: "K" + s
)


@FAST
@given(st.lists(secret, min_size=2, max_size=5, unique=True), secret, st.integers())
def test_student_view_never_shows_feedback_or_patterns(feedbacks, pattern, seed):
    from assessment_engine.grading.models import Choice, MultipleChoiceQuestion
    from assessment_engine.grading.student_view import student_view

    q = MultipleChoiceQuestion(
        id="mc",
        text="t",
        single=False,
        general_feedback=pattern,
        choices=tuple(
            Choice(text=f"opt{i}", fraction=0.5, feedback=fb) for i, fb in enumerate(feedbacks)
        ),
    )
    dumped = str(student_view(q, seed))
    assert all(fb not in dumped for fb in feedbacks)
    assert pattern not in dumped
    short = sa((pattern, 1.0), id="sa")
    assert pattern not in str(student_view(short, seed))
