"""Formula grading: is the student's expression equivalent to the expected one? For ``engine``.

Response: a JSON string, the expression as typed (``"R1*R2/(R1+R2)"``; see ``expression`` for
the grammar and limits; ``^`` is a power). Nothing typed by a student is ever ``eval``-ed.

``method="sampling"`` (Open edX ``formularesponse``): both expressions are evaluated at
``samples`` points drawn uniformly from the variable ranges by ``random.Random(seed)``
(variables in name order, so the points are reproducible); at each point the values must
agree within the relative ``tolerance`` (``|s-e| <= tol·max(|s|,|e|)``), with an absolute
floor of ``1e-12 × the largest |expected| seen`` so that values that should be 0 but come out
as 1e-16 are not failed. Points where the expected value is undefined are skipped; the student
value must be defined wherever the expected one is.

``method="symbolic"``: the sampling check runs first (a counterexample settles it); if the
samples agree and both expressions are within ``formula_symbolic``'s size limits, the answer
is right only if it is an exact identity: sympy's ``expand`` proves it, or 50-digit evaluation
at the sample points agrees to 40 digits (so ``3.14159`` is not ``pi``, but ``asin(x)+acos(x)``
is ``pi/2``). Past the limits the sampling verdict stands and the part detail says so. Sizes
and fixed precision, not wall-clock time, bound sympy, so the verdict is deterministic.

Rejected (``InvalidResponseError``): non-strings, expressions that do not parse, unknown names
or functions, anything over the limits. A question whose expected expression does not parse
raises ``UnsupportedQuestionError`` (the message never contains the expression).
"""

from __future__ import annotations

import math
import random

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError, UnsupportedQuestionError
from assessment_engine.grading.expression import ExpressionError, Node, evaluate, parse_expression
from assessment_engine.grading.models import FormulaQuestion
from assessment_engine.grading.outcome import Outcome, part

ABSOLUTE_FLOOR = 1e-12


def _points(question: FormulaQuestion) -> tuple[dict[str, float], ...]:
    rng = random.Random(question.seed)
    names = sorted(question.variables)
    return tuple(
        {
            name: rng.uniform(question.variables[name].low, question.variables[name].high)
            for name in names
        }
        for _ in range(question.samples)
    )


def _value(node: Node, env: dict[str, float]) -> complex | None:
    try:
        value = evaluate(node, env)
    except (ArithmeticError, ValueError):
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return None
    return value


def _expected(
    question: FormulaQuestion,
) -> tuple[Node, tuple[tuple[dict[str, float], complex | None], ...]]:
    try:
        node = parse_expression(
            question.expected, question.variables, case_insensitive=question.case_insensitive
        )
    except ExpressionError as exc:
        raise UnsupportedQuestionError(
            f"formula question {question.id!r}: the expected expression is not gradable"
        ) from exc
    samples = tuple((env, _value(node, env)) for env in _points(question))
    if all(value is None for _, value in samples):
        raise UnsupportedQuestionError(
            f"formula question {question.id!r}: the expected expression is undefined at every"
            " sample point"
        )
    return node, samples


def sampling_agrees(question: FormulaQuestion, student: Node) -> bool:
    """Open edX-style identity test at the question's sample points."""
    _, samples = compiled(question, "formula", lambda: _expected(question))
    floor = ABSOLUTE_FLOOR * max(abs(value) for _, value in samples if value is not None)
    tolerance = question.tolerance
    for env, expected in samples:
        if expected is None:
            continue
        got = _value(student, env)
        if got is None:
            return False
        difference = abs(got - expected)
        if difference > floor and difference > tolerance * max(abs(got), abs(expected)):
            return False
    return True


def parse_response(question: FormulaQuestion, response: JsonValue) -> Node:
    """Validate and parse the student's expression."""
    if not isinstance(response, str):
        raise InvalidResponseError(question.id, "expected an expression as a string")
    try:
        return parse_expression(
            response, question.variables, case_insensitive=question.case_insensitive
        )
    except ExpressionError as exc:
        raise InvalidResponseError(question.id, str(exc)) from exc


def evaluate_response(question: FormulaQuestion, response: JsonValue) -> Outcome:
    """Grade a formula response (see module docstring)."""
    if isinstance(response, str) and not response.strip():
        return Outcome(0.0, (part("expression", 0.0, 1.0, False, "empty answer"),))
    student = parse_response(question, response)
    agrees = sampling_agrees(question, student)
    detail = "equivalent at every sample point" if agrees else "differs at a sample point"
    if agrees and question.method == "symbolic":
        from assessment_engine.grading import formula_symbolic

        expected_node, samples = compiled(question, "formula", lambda: _expected(question))
        points = [env for env, value in samples if value is not None]
        verdict = formula_symbolic.equivalent(expected_node, student, question.variables, points)
        if verdict is None:
            detail = "graded by sampling: too large for the symbolic check"
        else:
            agrees, detail = verdict
    fraction = 1.0 if agrees else 0.0
    return Outcome(fraction, (part("expression", fraction, 1.0, agrees, detail),))
