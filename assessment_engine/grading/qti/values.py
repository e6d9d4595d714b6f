"""QTI values in Python: base types, containers, records, NULL; parsing of XML value text.

Used by every part of the interpreter (declarations, expressions, rules) and by the response
reader. A QTI value is represented as:

* NULL: ``None``. Empty containers and the empty string are NULL, as the specification says
  (``container`` and ``text_value`` make them so);
* ``identifier``, ``string``, ``uri``: ``str``; ``integer``: ``int``; ``float`` and ``duration``
  (seconds): ``float``; ``boolean``: ``bool``; ``intOrIdentifier``: ``int`` or ``str``;
* ``point``: :class:`Point` ``(x, y)`` of ints; ``pair``: :class:`Pair` (unordered: stored
  sorted, so equal pairs are equal tuples); ``directedPair``: :class:`DirectedPair`;
* ``multiple``: :class:`Multiple` (equality and hashing ignore order, counts matter);
  ``ordered``: :class:`Ordered`; ``record``: :class:`Record` (field -> value).

Pure and deterministic; ``parse_value`` raises ``QtiInvalidItemError`` for text that is not a
value of its base type.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from assessment_engine.grading.qti.errors import QtiInvalidItemError

BASE_TYPES = frozenset(
    {
        "identifier",
        "boolean",
        "integer",
        "float",
        "string",
        "point",
        "pair",
        "directedPair",
        "duration",
        "file",
        "uri",
        "intOrIdentifier",
    }
)
CARDINALITIES = frozenset({"single", "multiple", "ordered", "record"})
NUMERIC = frozenset({"integer", "float"})


class Point(tuple[int, int]):
    """A QTI point ``(x, y)``."""

    __slots__ = ()

    def __new__(cls, x: int, y: int) -> Point:
        return super().__new__(cls, (x, y))


class DirectedPair(tuple[str, str]):
    """A QTI directedPair ``(source, destination)``: order matters."""

    __slots__ = ()

    def __new__(cls, first: str, second: str) -> DirectedPair:
        return super().__new__(cls, (first, second))


class Pair(tuple[str, str]):
    """A QTI pair: unordered, so stored sorted (``Pair(b, a) == Pair(a, b)``)."""

    __slots__ = ()

    def __new__(cls, first: str, second: str) -> Pair:
        return super().__new__(cls, (first, second) if first <= second else (second, first))


class Multiple(tuple[Any, ...]):
    """A multiple container: a bag. Equality compares members with their counts."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Multiple):
            return False
        return len(self) == len(other) and Counter(self) == Counter(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(frozenset(Counter(self).items()))


class Ordered(tuple[Any, ...]):
    """An ordered container: a sequence."""

    __slots__ = ()


class Record(dict[str, Any]):
    """A record: field identifier -> single value (or NULL)."""


def container(cardinality: str, items: list[Any] | tuple[Any, ...]) -> Multiple | Ordered | None:
    """A container of non-NULL ``items``; NULL when there are none (QTI's empty container)."""
    kept = [item for item in items if item is not None]
    if not kept:
        return None
    return Multiple(kept) if cardinality == "multiple" else Ordered(kept)


def is_null(value: Any) -> bool:
    """QTI NULL: None, an empty container or an empty string."""
    return value is None or value == "" or (isinstance(value, tuple | dict) and len(value) == 0)


_INTEGER = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_DURATION = re.compile(
    r"-?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def parse_integer(text: str) -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        raise QtiInvalidItemError(f"{text!r} is not an integer")
    return int(text)


def parse_float(text: str) -> float:
    text = text.strip()
    if not _FLOAT.fullmatch(text):
        raise QtiInvalidItemError(f"{text!r} is not a float")
    value = float(text.replace("INF", "inf"))
    if not math.isfinite(value):
        raise QtiInvalidItemError(f"{text!r} is not a finite number")
    return value


def _duration(text: str) -> float:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        try:
            return parse_float(text)  # seconds, as QTI 3 writes durations
        except QtiInvalidItemError:
            raise QtiInvalidItemError(f"{text!r} is not a duration") from None
    years, months, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((((years * 365 + months * 30 + days) * 24 + hours) * 60 + minutes) * 60) + seconds
    return -total if text.strip().startswith("-") else total


def _two(text: str, what: str) -> list[str]:
    parts = text.split()
    if len(parts) != 2:
        raise QtiInvalidItemError(f"{text!r} is not a {what} (two values separated by a space)")
    return parts


def _identifier(text: str) -> str:
    value = text.strip()
    if not value:
        raise QtiInvalidItemError("empty identifier value")
    return value


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word not in ("true", "false", "1", "0"):
        raise QtiInvalidItemError(f"{text!r} is not a boolean")
    return word in ("true", "1")


def _point(text: str) -> Point:
    x, y = _two(text, "point")
    return Point(parse_integer(x), parse_integer(y))


def _directed(text: str) -> DirectedPair:
    first, second = _two(text, "directedPair")
    return DirectedPair(first, second)


def _int_or_identifier(text: str) -> int | str:
    stripped = text.strip()
    return int(stripped) if _INTEGER.fullmatch(stripped) else _identifier(text)


def _file(_text: str) -> Any:
    raise QtiInvalidItemError("file values cannot be written in an item")


_PARSERS: dict[str, Callable[[str], Any]] = {
    "identifier": _identifier,
    "uri": _identifier,
    "string": lambda text: text,
    "integer": parse_integer,
    "float": parse_float,
    "boolean": _boolean,
    "point": _point,
    "pair": lambda text: Pair(*_two(text, "pair")),
    "directedPair": _directed,
    "duration": _duration,
    "intOrIdentifier": _int_or_identifier,
    "file": _file,
}


def parse_value(base_type: str, text: str) -> Any:
    """A single value of ``base_type`` from its XML text (``<value>``, ``baseValue``, keys)."""
    parser = _PARSERS.get(base_type)
    if parser is None:
        raise QtiInvalidItemError(f"unknown baseType {base_type!r}")
    return parser(text)


def as_number(value: Any) -> float | int:
    """The number inside a numeric value; a ``QtiRuntimeError`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        from assessment_engine.grading.qti.errors import QtiRuntimeError

        raise QtiRuntimeError(f"expected a number, got {type(value).__name__}")
    number: float | int = value
    return number


def coerce(base_type: str | None, value: Any) -> Any:
    """``value`` as a value of ``base_type`` where QTI converts implicitly (integer -> float)."""
    if value is None or base_type is None:
        return value
    if (
        base_type in ("float", "duration")
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    if base_type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value
