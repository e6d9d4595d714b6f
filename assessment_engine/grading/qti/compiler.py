"""The expression compiler's core: one QTI expression element -> one Python closure.

Called by ``rules`` (conditions, outcome values) and by the operator modules, which register
their builders in ``OPERATORS``. An ``Expr`` is ``Callable[[State], value]`` where ``State``
maps variable identifiers to QTI values (``values``). Compiling resolves everything static
once (constants, declarations, mappings, operand counts), so running an item is a walk over
closures with no XML in sight. This module holds the leaf expressions: ``baseValue``,
``variable``, ``correct``, ``default``, ``null``, ``mapResponse``, ``mapResponsePoint``,
``fieldValue``, ``randomInteger`` / ``randomFloat`` (from the item's seeded source). A tag with
no builder is ``QtiInvalidItemError``; ``customOperator`` is ``QtiUnsupportedError``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti.declarations import AreaMapping, Declaration, Mapping
from assessment_engine.grading.qti.errors import (
    QtiInvalidItemError,
    QtiRuntimeError,
    QtiUnsupportedError,
)
from assessment_engine.grading.qti.shapes import inside
from assessment_engine.grading.qti.values import (
    Multiple,
    Ordered,
    Pair,
    Point,
    Record,
    as_number,
    parse_float,
    parse_integer,
    parse_value,
)
from assessment_engine.grading.qti.xml import elements

State = dict[str, Any]
Expr = Callable[[State], Any]
Builder = Callable[[Element, list[Expr], "Context"], Expr]

OPERATORS: dict[str, Builder] = {}
"""Tag -> builder; filled by this module and the operator modules (``operators_*``)."""

TEST_LEVEL = frozenset(
    {
        "testVariables",
        "outcomeMaximum",
        "outcomeMinimum",
        "numberCorrect",
        "numberIncorrect",
        "numberPresented",
        "numberResponded",
        "numberSelected",
    }
)


@dataclass
class Context:
    """What compiling needs: every declared variable, which are responses, the random seed."""

    declarations: dict[str, Declaration]
    responses: frozenset[str]
    seed: str = ""
    rng: random.Random = field(init=False)
    uses_random: bool = False
    """Set when an operator draws from ``rng``: runs then reseed it first."""

    def __post_init__(self) -> None:
        # String seeds are hashed with SHA-512 by ``random``: stable across processes.
        self.rng = random.Random(f"qti:{self.seed}")

    def declared(self, identifier: str, where: str) -> Declaration:
        decl = self.declarations.get(identifier)
        if decl is None:
            raise QtiInvalidItemError(f"{where}: variable {identifier!r} is not declared")
        return decl

    def response(self, identifier: str, where: str) -> Declaration:
        decl = self.declared(identifier, where)
        if identifier not in self.responses:
            raise QtiInvalidItemError(f"{where}: {identifier!r} is not a response variable")
        return decl


def register(*tags: str) -> Callable[[Builder], Builder]:
    def add(builder: Builder) -> Builder:
        for tag in tags:
            OPERATORS[tag] = builder
        return builder

    return add


def compile_expression(el: Element, ctx: Context) -> Expr:
    """Compile one expression element (its operands first)."""
    tag = str(el.tag)
    if tag == "customOperator":
        raise QtiUnsupportedError("customOperator is not supported (a vendor extension)")
    if tag in TEST_LEVEL:
        raise QtiInvalidItemError(f"{tag} is a test-level expression, not allowed in an item")
    builder = OPERATORS.get(tag)
    if builder is None:
        raise QtiInvalidItemError(f"<{tag}> is not a QTI expression")
    operands = [compile_expression(sub, ctx) for sub in elements(el)]
    return builder(el, operands, ctx)


def arity(el: Element, operands: list[Expr], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(operands) <= (high if high >= 0 else len(operands)):
        want = f"{low}" if low == high else f"{low} to {'any' if high < 0 else high}"
        raise QtiInvalidItemError(f"<{el.tag}> takes {want} operand(s), not {len(operands)}")


def constant(value: Any) -> Expr:
    return lambda _state: value


def attribute_number(el: Element, name: str, default: str | None, *, integer: bool) -> Expr:
    """An integer/float attribute that may also be a variable reference ``{NAME}`` or ``NAME``."""
    text = el.get(name, default)
    if text is None:
        raise QtiInvalidItemError(f"<{el.tag}> needs attribute {name}")
    text = text.strip()
    try:
        value = parse_integer(text) if integer else parse_float(text)
    except QtiInvalidItemError:
        ref = text.strip("{}")
        if not ref:
            raise
        return lambda state: state.get(ref)
    return constant(value)


# --- leaves --------------------------------------------------------------------------------


@register("baseValue")
def _base_value(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 0)
    base_type = el.get("baseType", "")
    return constant(parse_value(base_type, el.text or ""))


@register("variable")
def _variable(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    identifier = el.get("identifier", "")
    ctx.declared(identifier, "variable")
    return lambda state: state.get(identifier)


@register("correct")
def _correct(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    return constant(ctx.response(el.get("identifier", ""), "correct").correct)


@register("default")
def _default(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    return constant(ctx.declared(el.get("identifier", ""), "default").default)


@register("null")
def _null(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 0)
    return constant(None)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def map_value(mapping: Mapping, value: Any) -> tuple[float, bool]:
    """The mapped value of the first entry ``value`` matches, and whether one did.

    The specification maps each source value onto *a* float; when a case-insensitive entry
    and another entry both match, the first in document order wins (qti-sdk adds them up).
    """
    for entry in mapping.entries:
        if entry.case_sensitive or not isinstance(value, str):
            matched = value == entry.key
        else:
            matched = _lower(value) == _lower(entry.key)
        if matched:
            return entry.value, True
    return 0.0, False


def map_response(mapping: Mapping, cardinality: str, value: Any) -> float:
    """QTI ``mapResponse`` of ``value`` (see the module docstring of ``compiler``)."""
    if cardinality == "single":
        total, hit = map_value(mapping, value)
        return mapping.bounded(total if hit else mapping.default)
    members = list(dict.fromkeys(value)) if isinstance(value, tuple) else [None]
    total = 0.0
    for member in members:  # each distinct value counts once; NULL maps to the default
        mapped, hit = map_value(mapping, member) if member is not None else (0.0, False)
        total += mapped if hit else mapping.default
    return mapping.bounded(total)


@register("mapResponse")
def _map_response(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    identifier = el.get("identifier", "")
    decl = ctx.response(identifier, "mapResponse")
    if decl.cardinality == "record":
        raise QtiInvalidItemError("mapResponse cannot map a record")
    mapping = decl.mapping
    if mapping is None:
        return constant(0.0)  # as qti-sdk: no mapping maps to 0
    cardinality = decl.cardinality
    return lambda state: map_response(mapping, cardinality, state.get(identifier))


def map_points(areas: AreaMapping, value: Any) -> float:
    """QTI ``mapResponsePoint``: each area counts once, however many points fall in it."""
    points = [value] if isinstance(value, Point) else list(value or ())
    used: set[int] = set()
    total = 0.0
    for point in points:
        for index, entry in enumerate(areas.entries):
            if index not in used and inside(entry.shape, entry.coords, point):
                used.add(index)
                total += entry.value
                break
    return areas.bounded(total if used else areas.default)


@register("mapResponsePoint")
def _map_response_point(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    identifier = el.get("identifier", "")
    decl = ctx.response(identifier, "mapResponsePoint")
    if decl.base_type != "point":
        raise QtiInvalidItemError("mapResponsePoint needs a point response")
    areas = decl.area_mapping
    if areas is None:
        return constant(0.0)
    return lambda state: map_points(areas, state.get(identifier))


@register("fieldValue")
def _field_value(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (record,) = operands
    name = el.get("fieldIdentifier", "")

    def run(state: State) -> Any:
        value = record(state)
        if value is None:
            return None
        if not isinstance(value, Record):
            raise QtiRuntimeError("fieldValue needs a record")
        return value.get(name)

    return run


@register("randomInteger")
def _random_integer(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    low = attribute_number(el, "min", "0", integer=True)
    high = attribute_number(el, "max", None, integer=True)
    step = attribute_number(el, "step", "1", integer=True)
    rng = ctx.rng
    ctx.uses_random = True

    def run(state: State) -> Any:
        lo, hi, st = (as_number(f(state)) for f in (low, high, step))
        if st <= 0 or hi < lo:
            return None
        return int(lo) + int(st) * rng.randrange(int((hi - lo) // st) + 1)

    return run


@register("randomFloat")
def _random_float(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 0)
    low = attribute_number(el, "min", "0", integer=False)
    high = attribute_number(el, "max", None, integer=False)
    rng = ctx.rng
    ctx.uses_random = True
    return lambda state: rng.uniform(float(as_number(low(state))), float(as_number(high(state))))


@register("random")
def _random(el: Element, operands: list[Expr], ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    rng = ctx.rng
    ctx.uses_random = True

    def run(state: State) -> Any:
        value = inner(state)
        if not isinstance(value, Multiple | Ordered):
            return value
        return value[rng.randrange(len(value))]

    return run


__all__ = [
    "OPERATORS",
    "Context",
    "Expr",
    "Pair",
    "State",
    "compile_expression",
    "map_points",
    "map_response",
]
