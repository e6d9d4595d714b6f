"""QTI numeric operators and comparisons, registered in ``compiler.OPERATORS``.

``sum``, ``product``, ``subtract``, ``divide``, ``power``, ``min``, ``max`` (integer results when
every operand is an integer, else float; operands may be containers, whose members count),
``round`` (n.5 rounds up), ``roundTo`` / ``equalRounded`` (significant figures or decimal
places, half-up on the decimal value, as Java's BigDecimal in the reference engines),
``truncate``, ``integerDivide`` (floor), ``integerModulus``, ``integerToFloat``, ``gcd``, ``lcm``,
``gt``/``gte``/``lt``/``lte``, ``equal`` (exact, absolute or relative tolerance with
``includeLowerBound`` / ``includeUpperBound``), ``durationLT`` / ``durationGTE``,
``mathOperator``, ``mathConstant``, ``statsOperator``. NULL operands give NULL; division by zero
and results that are not finite give NULL. Imported for its registrations by ``program``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti.compiler import (
    Context,
    Expr,
    State,
    arity,
    attribute_number,
    register,
)
from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiRuntimeError
from assessment_engine.grading.qti.values import Multiple, Ordered, as_number


def _numbers(values: list[Any]) -> list[int | float] | None:
    out: list[int | float] = []
    for value in values:
        if value is None:
            return None
        if isinstance(value, Multiple | Ordered):
            out.extend(as_number(v) for v in value)
        else:
            out.append(as_number(value))
    return out


def _finite(value: int | float) -> int | float | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _typed(result: float, numbers: list[int | float]) -> int | float | None:
    if all(isinstance(n, int) for n in numbers):
        return int(result)
    return _finite(float(result))


def _aggregate(function: Callable[[list[int | float]], float]) -> Any:
    def build(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
        arity(el, operands, 1, -1)

        def run(state: State) -> Any:
            numbers = _numbers([operand(state) for operand in operands])
            if not numbers:
                return None
            try:
                return _typed(function(numbers), numbers)
            except OverflowError:
                return None

        return run

    return build


register("sum")(
    _aggregate(lambda ns: math.fsum(ns) if any(isinstance(n, float) for n in ns) else sum(ns))
)
register("product")(_aggregate(math.prod))
register("min")(_aggregate(min))
register("max")(_aggregate(max))


def _binary(function: Callable[[Any, Any], Any], *, integers: bool = False) -> Any:
    def build(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
        arity(el, operands, 2)
        left, right = operands

        def run(state: State) -> Any:
            a, b = left(state), right(state)
            if a is None or b is None:
                return None
            x, y = as_number(a), as_number(b)
            if integers and not (isinstance(x, int) and isinstance(y, int)):
                raise QtiRuntimeError(f"<{el.tag}> needs integers")
            return function(x, y)

        return run

    return build


def _subtract(x: Any, y: Any) -> Any:
    return _finite(x - y)


def _divide(x: Any, y: Any) -> Any:
    return None if y == 0 else _finite(x / y)


def _power(x: Any, y: Any) -> Any:
    try:
        result = float(x) ** float(y)
    except (OverflowError, ZeroDivisionError):
        return None
    if isinstance(result, complex):
        return None
    return _finite(result)


register("subtract")(_binary(_subtract))
register("divide")(_binary(_divide))
register("power")(_binary(_power))
register("integerDivide")(_binary(lambda x, y: None if y == 0 else x // y, integers=True))
register("integerModulus")(_binary(lambda x, y: None if y == 0 else x % y, integers=True))
register("gt")(_binary(lambda x, y: x > y))
register("gte")(_binary(lambda x, y: x >= y))
register("lt")(_binary(lambda x, y: x < y))
register("lte")(_binary(lambda x, y: x <= y))
register("durationLT")(_binary(lambda x, y: x < y))
register("durationGTE")(_binary(lambda x, y: x >= y))


def _unary(function: Callable[[Any], Any]) -> Any:
    def build(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
        arity(el, operands, 1)
        (inner,) = operands

        def run(state: State) -> Any:
            value = inner(state)
            if value is None:
                return None
            number = as_number(value)
            if isinstance(number, float) and not math.isfinite(number):
                return None
            return function(number)

        return run

    return build


register("round")(_unary(lambda x: math.floor(x + 0.5)))
register("truncate")(_unary(lambda x: int(x)))
register("integerToFloat")(_unary(float))


def _gcd_lcm(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1, -1)
    function = math.gcd if el.tag == "gcd" else math.lcm

    def run(state: State) -> Any:
        numbers = _numbers([operand(state) for operand in operands])
        if not numbers:
            return None
        if not all(isinstance(n, int) for n in numbers):
            raise QtiRuntimeError(f"<{el.tag}> needs integers")
        return function(*(abs(int(n)) for n in numbers))

    return run


register("gcd", "lcm")(_gcd_lcm)


def round_to(value: float, mode: str, figures: int) -> float | None:
    """``roundTo``: half-up rounding of the decimal value to significant figures or places."""
    try:
        number = Decimal(repr(float(value)))
        if mode == "decimalPlaces":
            quantum = Decimal(1).scaleb(-figures)
        else:
            if figures < 1:
                return None
            if number == 0:
                return 0.0
            exponent = number.adjusted() - figures + 1
            quantum = Decimal(1).scaleb(exponent)
        return float(number.quantize(quantum, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return None


def _rounding(el: Element) -> tuple[str, Expr]:
    mode = el.get("roundingMode", "significantFigures")
    if mode not in ("significantFigures", "decimalPlaces"):
        raise QtiInvalidItemError(f"unknown roundingMode {mode!r}")
    return mode, attribute_number(el, "figures", None, integer=True)


@register("roundTo")
def _round_to(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    mode, figures = _rounding(el)

    def run(state: State) -> Any:
        value = inner(state)
        if value is None:
            return None
        number = as_number(value)
        if isinstance(number, float) and not math.isfinite(number):
            return None
        return round_to(number, mode, int(as_number(figures(state))))

    return run


@register("equalRounded")
def _equal_rounded(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    left, right = operands
    mode, figures = _rounding(el)

    def run(state: State) -> Any:
        a, b = left(state), right(state)
        if a is None or b is None:
            return None
        n = int(as_number(figures(state)))
        x, y = round_to(as_number(a), mode, n), round_to(as_number(b), mode, n)
        return None if x is None or y is None else x == y

    return run


def _tolerances(el: Element) -> list[Expr]:
    text = el.get("tolerance", "").split()
    if len(text) not in (1, 2):
        raise QtiInvalidItemError("equal with a tolerance needs one or two tolerance values")
    out = []
    for part in text:
        probe = Element("t", {"v": part})
        out.append(attribute_number(probe, "v", None, integer=False))
    return out if len(out) == 2 else [out[0], out[0]]


@register("equal")
def _equal(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    left, right = operands
    mode = el.get("toleranceMode", "exact")
    if mode not in ("exact", "absolute", "relative"):
        raise QtiInvalidItemError(f"unknown toleranceMode {mode!r}")
    include_low = el.get("includeLowerBound", "true").strip().lower() != "false"
    include_high = el.get("includeUpperBound", "true").strip().lower() != "false"
    tolerances = _tolerances(el) if mode != "exact" else []

    def run(state: State) -> Any:
        a, b = left(state), right(state)
        if a is None or b is None:
            return None
        x, y = as_number(a), as_number(b)
        if mode == "exact":
            return x == y
        t0, t1 = (float(as_number(t(state))) for t in tolerances)
        if mode == "absolute":
            low, high = y - t0, y + t1
        else:
            low, high = y * (1 - t0 / 100), y * (1 + t1 / 100)
        above = x >= low if include_low else x > low
        below = x <= high if include_high else x < high
        return above and below

    return run


_MATH: dict[str, Callable[[list[float]], float]] = {
    "sin": lambda a: math.sin(a[0]),
    "cos": lambda a: math.cos(a[0]),
    "tan": lambda a: math.tan(a[0]),
    "sec": lambda a: 1 / math.cos(a[0]),
    "csc": lambda a: 1 / math.sin(a[0]),
    "cot": lambda a: 1 / math.tan(a[0]),
    "asin": lambda a: math.asin(a[0]),
    "acos": lambda a: math.acos(a[0]),
    "atan": lambda a: math.atan(a[0]),
    "atan2": lambda a: math.atan2(a[0], a[1]),
    "sinh": lambda a: math.sinh(a[0]),
    "cosh": lambda a: math.cosh(a[0]),
    "tanh": lambda a: math.tanh(a[0]),
    "log": lambda a: math.log10(a[0]),
    "ln": lambda a: math.log(a[0]),
    "exp": lambda a: math.exp(a[0]),
    "abs": lambda a: abs(a[0]),
    "signum": lambda a: float((a[0] > 0) - (a[0] < 0)),
    "floor": lambda a: math.floor(a[0]),
    "ceil": lambda a: math.ceil(a[0]),
    "toDegrees": lambda a: math.degrees(a[0]),
    "toRadians": lambda a: math.radians(a[0]),
}


@register("mathOperator")
def _math_operator(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    name = el.get("name", "")
    function = _MATH.get(name)
    if function is None:
        raise QtiInvalidItemError(f"unknown mathOperator {name!r}")
    arity(el, operands, 2 if name == "atan2" else 1)

    def run(state: State) -> Any:
        numbers = _numbers([operand(state) for operand in operands])
        if numbers is None:
            return None
        try:
            result = function([float(n) for n in numbers])
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        if name in ("abs", "floor", "ceil") and all(isinstance(n, int) for n in numbers):
            return int(result)
        return _finite(float(result))

    return run


@register("mathConstant")
def _math_constant(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 0)
    name = el.get("name", "")
    if name not in ("pi", "e"):
        raise QtiInvalidItemError(f"unknown mathConstant {name!r}")
    value = math.pi if name == "pi" else math.e
    return lambda _state: value


_STATS: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "sampleVariance": statistics.variance,
    "sampleSD": statistics.stdev,
    "popVariance": statistics.pvariance,
    "popSD": statistics.pstdev,
}


@register("statsOperator")
def _stats_operator(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    function = _STATS.get(el.get("name", ""))
    if function is None:
        raise QtiInvalidItemError(f"unknown statsOperator {el.get('name')!r}")

    def run(state: State) -> Any:
        numbers = _numbers([inner(state)])
        if not numbers:
            return None
        try:
            return _finite(float(function([float(n) for n in numbers])))
        except statistics.StatisticsError:
            return None

    return run
