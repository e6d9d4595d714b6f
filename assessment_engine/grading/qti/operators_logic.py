"""QTI operators on truth values, containers and strings, registered in ``compiler.OPERATORS``.

``isNull``, ``match``, ``and``/``or``/``not``/``anyN`` (three-valued: NULL where the answer is
not decided), ``member``, ``contains``, ``containerSize``, ``delete``, ``index``, ``ordered``,
``multiple``, ``repeat``, ``inside``, ``stringMatch``, ``substring``, ``patternMatch``. Almost
every operator returns NULL when an operand is NULL, as the specification says. Imported for
its registrations by ``program``.
"""

from __future__ import annotations

from collections.abc import Callable
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
from assessment_engine.grading.qti.shapes import check, inside
from assessment_engine.grading.qti.values import (
    Multiple,
    Ordered,
    Point,
    as_number,
    container,
    is_null,
)
from assessment_engine.grading.qti.xsd_regex import compile_xsd


def _flag(el: Element, name: str, default: bool) -> bool:
    text = el.get(name)
    return default if text is None else text.strip().lower() in ("true", "1")


@register("isNull")
def _is_null(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    return lambda state: is_null(inner(state))


@register("match")
def _match(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    left, right = operands

    def run(state: State) -> Any:
        a, b = left(state), right(state)
        if a is None or b is None:
            return None
        if isinstance(a, Multiple | Ordered) != isinstance(b, Multiple | Ordered):
            return False
        return a == b

    return run


def _connective(decisive: bool) -> Any:
    """``and`` (decided by a false operand) or ``or`` (by a true one), three-valued."""

    def build(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
        arity(el, operands, 1, -1)

        def run(state: State) -> Any:
            unknown = False
            for operand in operands:
                value = operand(state)
                if value is None:
                    unknown = True
                elif value is decisive:
                    return decisive
            return None if unknown else not decisive

        return run

    return build


register("and")(_connective(False))
register("or")(_connective(True))


@register("not")
def _not(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands

    def run(state: State) -> Any:
        value = inner(state)
        return None if value is None else not value

    return run


@register("anyN")
def _any_n(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1, -1)
    low = attribute_number(el, "min", None, integer=True)
    high = attribute_number(el, "max", None, integer=True)

    def run(state: State) -> Any:
        values = [operand(state) for operand in operands]
        lo, hi = as_number(low(state)), as_number(high(state))
        true, false = values.count(True), values.count(False)
        if false > len(values) - lo or true > hi:
            return False
        if lo <= true and true + (len(values) - true - false) <= hi:
            return True
        return None

    return run


def _members(value: Any, what: str) -> tuple[Any, ...]:
    if not isinstance(value, Multiple | Ordered):
        raise QtiRuntimeError(f"{what} needs a multiple or ordered container")
    return value


@register("member")
def _member(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    needle, haystack = operands

    def run(state: State) -> Any:
        a, b = needle(state), haystack(state)
        if a is None or b is None:
            return None
        return a in _members(b, "member")

    return run


def _contains(big: tuple[Any, ...], small: tuple[Any, ...], ordered: bool) -> bool:
    if ordered:
        n = len(small)
        return any(big[i : i + n] == small for i in range(len(big) - n + 1))
    pool = list(big)
    for item in small:
        if item not in pool:
            return False
        pool.remove(item)
    return True


@register("contains")
def _contains_op(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    left, right = operands

    def run(state: State) -> Any:
        a, b = left(state), right(state)
        if a is None or b is None:
            return None
        big, small = _members(a, "contains"), _members(b, "contains")
        return _contains(tuple(big), tuple(small), isinstance(a, Ordered))

    return run


@register("containerSize")
def _container_size(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands

    def run(state: State) -> Any:
        value = inner(state)
        return 0 if value is None else len(_members(value, "containerSize"))

    return run


@register("delete")
def _delete(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 2)
    needle, haystack = operands

    def run(state: State) -> Any:
        a, b = needle(state), haystack(state)
        if a is None or b is None:
            return None
        kept = [item for item in _members(b, "delete") if item != a]
        return container("ordered" if isinstance(b, Ordered) else "multiple", kept)

    return run


@register("index")
def _index(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    position = attribute_number(el, "n", None, integer=True)

    def run(state: State) -> Any:
        value = inner(state)
        if value is None:
            return None
        if not isinstance(value, Ordered):
            raise QtiRuntimeError("index needs an ordered container")
        n = as_number(position(state))
        return value[int(n) - 1] if 1 <= n <= len(value) else None

    return run


def _collect(kind: str) -> Any:
    def build(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
        def run(state: State) -> Any:
            items: list[Any] = []
            for operand in operands:
                value = operand(state)
                if isinstance(value, Multiple | Ordered):
                    items.extend(value)
                elif value is not None:
                    items.append(value)
            return container(kind, items)

        return run

    return build


register("multiple")(_collect("multiple"))
register("ordered")(_collect("ordered"))


@register("repeat")
def _repeat(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1, -1)
    times = attribute_number(el, "numberRepeats", None, integer=True)
    collect = _collect("ordered")(el, operands, _ctx)

    def run(state: State) -> Any:
        once = collect(state)
        return None if once is None else container("ordered", list(once) * int(times(state)))

    return run


@register("inside")
def _inside(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    shape = el.get("shape", "")
    try:
        coords = tuple(float(c) for c in el.get("coords", "").replace(",", " ").split())
    except ValueError as exc:
        raise QtiInvalidItemError("inside: coords are not numbers") from exc
    check(shape, coords)

    def run(state: State) -> Any:
        value = inner(state)
        if value is None:
            return None
        points = [value] if isinstance(value, Point) else list(_members(value, "inside"))
        return any(inside(shape, coords, p) for p in points)

    return run


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise QtiRuntimeError(f"{what} needs strings")
    return value


def _two_strings(el: Element, operands: list[Expr], compare: Callable[[str, str], bool]) -> Expr:
    """A comparison of two strings (lower-cased unless ``caseSensitive``); NULL on NULL."""
    arity(el, operands, 2)
    left, right = operands
    sensitive = _flag(el, "caseSensitive", True)
    what = str(el.tag)

    def run(state: State) -> Any:
        a, b = left(state), right(state)
        if is_null(a) or is_null(b):
            return None
        a, b = _string(a, what), _string(b, what)
        return compare(a, b) if sensitive else compare(a.lower(), b.lower())

    return run


@register("stringMatch")
def _string_match(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    if _flag(el, "substring", False):  # deprecated form: is the second inside the first
        return _two_strings(el, operands, lambda a, b: b in a)
    return _two_strings(el, operands, lambda a, b: a == b)


@register("substring")
def _substring(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    return _two_strings(el, operands, lambda a, b: a in b)  # the first inside the second


@register("patternMatch")
def _pattern_match(el: Element, operands: list[Expr], _ctx: Context) -> Expr:
    arity(el, operands, 1)
    (inner,) = operands
    text = el.get("pattern")
    if text is None:
        raise QtiInvalidItemError("patternMatch needs a pattern")
    if text.startswith("{") and text.endswith("}") and len(text) > 2:
        ref = text[1:-1]

        def dynamic(state: State) -> Any:
            value, pattern = inner(state), state.get(ref)
            if is_null(value) or pattern is None:
                return None
            return (
                compile_xsd(_string(pattern, "patternMatch")).fullmatch(
                    _string(value, "patternMatch")
                )
                is not None
            )

        return dynamic
    pattern = compile_xsd(text)

    def run(state: State) -> Any:
        value = inner(state)
        if is_null(value):
            return None
        return pattern.fullmatch(_string(value, "patternMatch")) is not None

    return run
