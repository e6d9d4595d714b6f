"""Numerical grading (Moodle ``qtype_numerical``), called by ``engine`` and ``cloze``.

Response: a JSON string as typed (``"3.14"``, ``"1,234.5 m"``; see ``numparse`` for what is
accepted). A JSON number is accepted too and graded as that value without a unit.

Tolerance intervals (``get_tolerance_interval``; ``EPSILON`` = 10^-14 is PHP's default
``precision`` term Moodle adds against representation error, MDL-3225):

* absolute / nominal: ``answer ± (tol + EPSILON·max(1, |answer|))``
* relative: ``answer ± |answer|·(tol + EPSILON)``
* geometric: ``[answer/(1+tol'), answer·(1+tol')]`` with ``tol' = tol + EPSILON`` (bounds
  swapped for negative answers)

``value=None`` (Moodle's ``*``) matches anything. The first matching answer wins.

Units (``unit_handling``): ``none`` — a number only, any trailing text is rejected;
``optional`` — a known unit converts the value (``value / multiplier``), no unit is fine, an
unknown unit costs the unit penalty; ``required`` — a missing or unknown unit costs the
penalty. As in Moodle's ``get_matching_answer``, a value with a known unit that only matches
the answer unconverted also costs the penalty. Penalty mode ``response``:
``fraction -= penalty·fraction``; ``question``: ``fraction -= penalty``; floored at 0.
"""

from __future__ import annotations

import math

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import NumericalAnswer, NumericalQuestion, Unit
from assessment_engine.grading.numparse import parse_number
from assessment_engine.grading.outcome import Outcome, part

EPSILON = 1e-14


def tolerance_interval(answer: NumericalAnswer) -> tuple[float, float]:
    """The closed interval of values this answer accepts (``value`` must not be None)."""
    value = answer.value
    if value is None:
        raise ValueError("the catch-all answer '*' has no interval")
    tol = answer.tolerance
    kind = answer.tolerance_type
    if kind == "relative":
        spread = abs(value) * (tol + EPSILON)
        return value - spread, value + spread
    if kind == "geometric":
        quotient = 1.0 + tol + EPSILON
        if value < 0:
            return value * quotient, value / quotient
        return value / quotient, value * quotient
    spread = tol + EPSILON * max(1.0, abs(value))
    return value - spread, value + spread


Interval = tuple[float, float] | None


def _compile(
    question: NumericalQuestion,
) -> tuple[tuple[tuple[Interval, NumericalAnswer], ...], dict[str, Unit]]:
    answers = tuple(
        (None if answer.value is None else tolerance_interval(answer), answer)
        for answer in question.answers
    )
    units = {"".join(unit.name.split()): unit for unit in question.units}
    return answers, units


def _within(interval: Interval, value: float) -> bool:
    return interval is None or interval[0] <= value <= interval[1]


def _parse(question: NumericalQuestion, response: JsonValue) -> tuple[float, str]:
    if isinstance(response, bool):
        raise InvalidResponseError(question.id, "expected a number typed as a string")
    if isinstance(response, int | float):
        try:
            value = float(response)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise InvalidResponseError(question.id, "number out of range")
        return value, ""
    if not isinstance(response, str):
        raise InvalidResponseError(question.id, "expected a number typed as a string")
    try:
        return parse_number(response)
    except ValueError as exc:
        raise InvalidResponseError(question.id, str(exc)) from exc


def _penalised(question: NumericalQuestion, fraction: float) -> float:
    if question.unit_penalty_mode == "response":
        fraction -= question.unit_penalty * fraction
    else:
        fraction -= question.unit_penalty
    return max(fraction, 0.0)


def evaluate(question: NumericalQuestion, response: JsonValue) -> Outcome:
    """Grade a numerical response (see module docstring)."""
    if isinstance(response, str) and not response.strip():
        return Outcome(0.0, (part("value", 0.0, 1.0, False, "empty answer"),))
    value, unit_text = _parse(question, response)
    answers, units = compiled(question, "numerical", lambda: _compile(question))
    handling = question.unit_handling
    unit: Unit | None = None
    if handling == "none":
        if unit_text:
            raise InvalidResponseError(question.id, "this question takes a number without a unit")
        unit_ok_if_unscaled = True
    else:
        unit = units.get(unit_text) if unit_text else None
        unit_ok_if_unscaled = not unit_text and handling == "optional"
    for interval, answer in answers:
        if unit is not None and _within(interval, value / unit.multiplier):
            unit_right = True
        elif _within(interval, value):
            unit_right = unit_ok_if_unscaled or (unit is not None and unit.multiplier == 1.0)
        else:
            continue
        fraction = answer.fraction if unit_right else _penalised(question, answer.fraction)
        detail = "matched an answer" if unit_right else "matched an answer; unit missing or wrong"
        feedback = (answer.feedback,) if answer.feedback else ()
        return Outcome(fraction, (part("value", fraction, 1.0, fraction >= 1.0, detail),), feedback)
    return Outcome(0.0, (part("value", 0.0, 1.0, False, "no answer matched"),))
