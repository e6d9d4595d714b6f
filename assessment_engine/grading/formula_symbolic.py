"""Exact equivalence of two parsed expressions with sympy, bounded by size. Used by ``formula``.

The trees come from ``expression`` (never from ``sympy.parse_expr``, which ``eval``-s its input)
and are converted node by node into sympy objects: literals become exact rationals, variables
become symbols (``positive=True`` when their whole range is positive, else ``real=True``).
Two steps decide, and neither is sympy's unbounded ``simplify``:

1. ``expand(a - b) == 0`` proves the identity (bounded: both trees must be small —
   ``MAX_NODES`` nodes, literal exponents up to ``MAX_EXPONENT`` whose nested product stays
   within ``MAX_POWER_PRODUCT``, at most ``MAX_CALLS`` function calls, at most ``MAX_TERMS``
   terms once fully expanded; otherwise :func:`equivalent` returns
   None and the caller keeps its sampling verdict);
2. otherwise both are evaluated with ``DIGITS``-digit arithmetic at up to
   ``MAX_PRECISE_POINTS`` of the question's sample points (as exact rationals) and must agree to
   40 significant digits: identities sympy cannot prove (``asin(x) + acos(x)`` = ``pi/2``) pass,
   approximations (``3.14159`` for ``pi``) fail.

Sizes and fixed precision, not a clock, bound the work, so the verdict is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from assessment_engine.grading.expression import (
    Bin,
    Call,
    Const,
    Neg,
    Node,
    Num,
    Var,
    count_nodes,
    literal_value,
)
from assessment_engine.grading.models import VariableRange

MAX_NODES = 40
MAX_EXPONENT = 8.0
MAX_CALLS = 4
MAX_TERMS = 256
MAX_POWER_PRODUCT = 64.0
DIGITS = 50
RELATIVE = sympy.Rational(1, 10**40)
MAX_PRECISE_POINTS = 10

_FUNCTIONS: dict[str, Any] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sqrt": sympy.sqrt,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "abs": sympy.Abs,
}


def _terms(node: Node) -> float:
    """Upper bound on the number of terms of the fully expanded tree (inf: do not try)."""
    match node:
        case Neg(operand):
            return _terms(operand)
        case Call(_, arg):
            return 1.0 if _terms(arg) <= MAX_TERMS else float("inf")
        case Bin(op, left, right):
            if op == "**":
                exponent = literal_value(right)
                if exponent is None or abs(exponent) > MAX_EXPONENT:
                    return float("inf")
                base = _terms(left)
                return base ** math.ceil(abs(exponent)) if exponent.is_integer() else base
            a, b = _terms(left), _terms(right)
            return a + b if op in ("+", "-") else a * b
    return 1.0


def _power_product(node: Node) -> float:
    """Largest product of nested literal exponents: exact rationals grow with it.

    ``((1.0000000000000002^8)^8)^8...`` is finite in floating point but sympy would compute
    the exact rational, with digits growing as this product.
    """
    match node:
        case Neg(operand) | Call(_, operand):
            return _power_product(operand)
        case Bin(op, left, right):
            if op == "**":
                exponent = literal_value(right)
                factor = abs(exponent) if exponent is not None else float("inf")
                return max(1.0, factor) * _power_product(left)
            return max(_power_product(left), _power_product(right))
    return 1.0


def within_limits(node: Node) -> bool:
    """Small enough for sympy: node count, calls, expanded size, nested exponent growth."""
    return (
        count_nodes(node) <= MAX_NODES
        and _count_calls(node) <= MAX_CALLS
        and _terms(node) <= MAX_TERMS
        and _power_product(node) <= MAX_POWER_PRODUCT
    )


def _count_calls(node: Node) -> int:
    match node:
        case Neg(operand):
            return _count_calls(operand)
        case Call(_, arg):
            return 1 + _count_calls(arg)
        case Bin(_, left, right):
            return _count_calls(left) + _count_calls(right)
    return 0


def _to_sympy(node: Node, symbols: Mapping[str, sympy.Symbol]) -> Any:
    match node:
        case Num(value):
            return sympy.Rational(repr(value))
        case Var(name):
            return symbols[name]
        case Const(name):
            return sympy.pi if name == "pi" else sympy.E
        case Neg(operand):
            return -_to_sympy(operand, symbols)
        case Bin(op, left, right):
            a = _to_sympy(left, symbols)
            b = _to_sympy(right, symbols)
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            return a**b
        case Call(func, arg):
            return _FUNCTIONS[func](_to_sympy(arg, symbols))
    raise TypeError(node)


def _agree_precisely(expected: Any, student: Any, points: Sequence[dict[str, Any]]) -> bool:
    """Do both expressions agree to ``DIGITS - 10`` significant digits at every point?"""
    for subs in points:
        a = sympy.N(expected, DIGITS, subs=subs)
        b = sympy.N(student, DIGITS, subs=subs)
        if not (a.is_number and b.is_number and a.is_finite and b.is_finite):
            return False
        difference = sympy.N(sympy.Abs(a - b), DIGITS)
        scale = sympy.N(sympy.Max(sympy.Abs(a), sympy.Abs(b), 1), DIGITS)
        if difference > scale * RELATIVE:
            return False
    return True


def equivalent(
    expected: Node,
    student: Node,
    variables: Mapping[str, VariableRange],
    points: Sequence[Mapping[str, float]],
) -> tuple[bool, str] | None:
    """(verdict, how) for ``expected == student`` as an identity; None if too large to try.

    ``points`` are sample points where the expected expression is defined in floating point.
    """
    if not (within_limits(expected) and within_limits(student)):
        return None
    symbols = {
        name: sympy.Symbol(name, positive=True) if bounds.low > 0 else sympy.Symbol(name, real=True)
        for name, bounds in variables.items()
    }
    a = _to_sympy(expected, symbols)
    b = _to_sympy(student, symbols)
    difference = a - b
    if difference == 0 or sympy.expand(difference) == 0:
        return True, "symbolically equivalent"
    exact_points = [
        {symbols[name]: sympy.Rational(repr(value)) for name, value in env.items()}
        for env in points[:MAX_PRECISE_POINTS]
    ]
    if exact_points and _agree_precisely(a, b, exact_points):
        return True, f"equal to {DIGITS - 10} digits at every sample point"
    return False, "not symbolically equivalent"
