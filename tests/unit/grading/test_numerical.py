from __future__ import annotations

import pytest

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import NumericalAnswer, Unit
from assessment_engine.grading.numerical import tolerance_interval
from assessment_engine.grading.numparse import parse_number
from tests.unit.grading.factories import num


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("3.14", 3.14, ""),
        ("-0.5", -0.5, ""),
        ("+.5", 0.5, ""),
        ("2.", 2.0, ""),
        ("1,234.5", 1234.5, ""),
        ("12,345,678", 12345678.0, ""),
        ("1 234.5", 1234.5, ""),
        ("1\u00a0234,5", 1234.5, ""),
        ("1,234", 1234.0, ""),
        ("0,5", 0.5, ""),
        ("3,14159", 3.14159, ""),
        ("1234,5", 1234.5, ""),
        ("1.5e3", 1500.0, ""),
        ("1.5E-3", 0.0015, ""),
        ("1.5x10^3", 1500.0, ""),
        ("1.5×10^3", 1500.0, ""),
        ("1.5*10**3", 1500.0, ""),
        ("\u22122", -2.0, ""),
        ("9.81 m/s^2", 9.81, "m/s^2"),
        ("5 k g", 5.0, "kg"),
        ("5em", 5.0, "em"),
    ],
)
def test_parse_number_accepts(text, value, unit):
    parsed, rest = parse_number(text)
    assert parsed == pytest.approx(value)
    assert rest == unit


@pytest.mark.parametrize(
    "text", ["", "abc", "1,23.4", "1.2,3", "1e999", "nan", "inf", ".", "-", "x" * 300]
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_tolerance_intervals_follow_moodle():
    def interval(value, tol, kind):
        return tolerance_interval(
            NumericalAnswer(value=value, tolerance=tol, tolerance_type=kind, fraction=1)
        )

    low, high = interval(200, 0.05, "relative")  # Moodle docs: 190..210
    assert (low, high) == (pytest.approx(190), pytest.approx(210))
    low, high = interval(3.14, 0.01, "nominal")
    assert (low, high) == (pytest.approx(3.13), pytest.approx(3.15))
    low, high = interval(100, 0.1, "geometric")  # 100/1.1 .. 100*1.1
    assert (low, high) == (pytest.approx(90.909090909), pytest.approx(110))
    low, high = interval(-100, 0.1, "geometric")
    assert (low, high) == (pytest.approx(-110), pytest.approx(-90.909090909))
    assert interval(5, 0.0, "absolute")[0] < 5 < interval(5, 0.0, "absolute")[1]


def test_exact_answer_tolerates_representation_error():
    q = num({"value": 0.3, "fraction": 1})
    assert grade(q, "0.30000000000000004").fraction == 1.0
    assert grade(q, "0.3001").fraction == 0.0


@pytest.mark.parametrize(
    ("response", "fraction"),
    [("3.14", 1.0), ("3.15", 1.0), ("3.16", 0.5), ("3", 0.5), ("2.4", 0.1), ("-7", 0.1)],
)
def test_first_matching_answer_wins_with_partial_credit_and_catch_all(response, fraction):
    q = num(
        {"value": 3.14, "tolerance": 0.01, "fraction": 1.0},
        {"value": 3.0, "tolerance": 0.5, "fraction": 0.5},
        {"value": None, "fraction": 0.1},
    )
    assert grade(q, response).fraction == pytest.approx(fraction)


def test_json_numbers_are_accepted_as_values():
    q = num({"value": 2.5, "fraction": 1})
    assert grade(q, 2.5).fraction == 1.0
    assert grade(q, 3).fraction == 0.0


def _units_q(handling, mode="response", penalty=0.2):
    return num(
        {"value": 1.5, "tolerance": 0.001, "fraction": 1.0},
        units=(Unit(name="m"), Unit(name="cm", multiplier=100), Unit(name="km", multiplier=0.001)),
        unit_handling=handling,
        unit_penalty=penalty,
        unit_penalty_mode=mode,
    )


@pytest.mark.parametrize(
    ("handling", "response", "fraction"),
    [
        ("required", "1.5 m", 1.0),
        ("required", "150 cm", 1.0),
        ("required", "0.0015km", 1.0),
        ("required", "1.5", 0.8),  # missing unit
        ("required", "1.5 kg", 0.8),  # unknown unit
        ("required", "1.5 cm", 0.8),  # matches only unconverted: wrong unit
        ("required", "150 m", 0.0),
        ("optional", "1.5", 1.0),
        ("optional", "150cm", 1.0),
        ("optional", "1.5 parsecs", 0.8),
    ],
)
def test_units(handling, response, fraction):
    assert grade(_units_q(handling), response).fraction == pytest.approx(fraction)


def test_unit_penalty_modes():
    half = num(
        {"value": 10, "fraction": 0.5},
        units=(Unit(name="s"),),
        unit_handling="required",
        unit_penalty=0.2,
        unit_penalty_mode="response",
    )
    assert grade(half, "10").fraction == pytest.approx(0.4)  # 0.5 - 0.2*0.5
    by_question = half.model_copy(update={"unit_penalty_mode": "question"})
    assert grade(by_question, "10").fraction == pytest.approx(0.3)  # 0.5 - 0.2
    harsh = half.model_copy(update={"unit_penalty_mode": "question", "unit_penalty": 0.9})
    assert grade(harsh, "10").fraction == 0.0  # floored


def test_unit_handling_none_rejects_trailing_text():
    q = num({"value": 1, "fraction": 1})
    with pytest.raises(InvalidResponseError, match="without a unit"):
        grade(q, "1 m")


@pytest.mark.parametrize(
    "response", [True, ["1"], {"v": 1}, "one", "1,2,3.4.5", 10**400, float("nan"), float("inf")]
)
def test_wrong_shapes_are_rejected(response):
    with pytest.raises(InvalidResponseError):
        grade(num({"value": 1, "fraction": 1}), response)


def test_empty_string_scores_zero():
    assert grade(num({"value": None, "fraction": 1}), " ").score == 0.0


def test_rejection_never_reveals_the_answer():
    q = num({"value": 42.4242, "fraction": 1})
    with pytest.raises(InvalidResponseError) as info:
        grade(q, "forty")
    assert "42" not in str(info.value)
