"""A student's JSON response to a QTI item -> QTI values, checked against the item.

Called by ``grading.qti.grade`` before response processing. The response is a JSON object
keyed by response identifier (a missing key, ``null``, ``""`` or ``[]`` is NULL). Value shapes
by declaration (documented in ``docs/authoring.md``):

* single identifier / string / uri: a string; integer: an integer or a string of one; float /
  duration: a number or a numeric string; boolean: ``true`` / ``false``;
* pair / directedPair: ``["A", "B"]`` (source first); point: ``[x, y]`` of integers;
* multiple / ordered: a list of the single shapes (``["A", "C"]``, ``[["A", "B"], ...]``);
* record: an object ``{field: number | string | boolean}``;
* file (upload, drawing): the platform's reference to the stored file, a string or
  ``{"ref": "..."}`` (the file itself is not part of the response).

Identifiers are checked against the interaction's choices (pairs: each side; match: source
from the first set, target from the second) and counts against ``maxChoices`` /
``maxAssociations`` / ``maxStrings``, so an API can reject a malformed answer before anything is
stored. Every problem is ``InvalidResponseError`` with a message that names no key material.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import QtiInteraction, QtiQuestion
from assessment_engine.grading.qti.declarations import Declaration
from assessment_engine.grading.qti.errors import QtiInvalidItemError
from assessment_engine.grading.qti.values import (
    DirectedPair,
    Multiple,
    Ordered,
    Pair,
    Point,
    Record,
    container,
    parse_float,
    parse_integer,
)

_LIMITS = ("maxChoices", "maxAssociations", "maxStrings")


class ShapeError(Exception):
    """A value that does not fit its declaration; ``read_response`` turns it into
    ``InvalidResponseError`` naming the response variable."""


def _number(value: JsonValue, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise ShapeError("expected a number")
    if isinstance(value, int):
        return value if integer else float(value)
    if isinstance(value, float):
        if integer:
            if not value.is_integer():
                raise ShapeError("expected an integer")
            return int(value)
        if not math.isfinite(value):
            raise ShapeError("expected a finite number")
        return value
    if isinstance(value, str):
        try:
            return parse_integer(value) if integer else parse_float(value)
        except QtiInvalidItemError:
            raise ShapeError(f"expected {'an integer' if integer else 'a number'}") from None
    raise ShapeError("expected a number")


def _two(value: JsonValue, what: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise ShapeError(f"a {what} is a list of two values")
    return value[0], value[1]


def _text(value: JsonValue) -> str | None:
    if not isinstance(value, str):
        raise ShapeError("expected a string")
    return value if value != "" else None


def _boolean(value: JsonValue) -> bool:
    if not isinstance(value, bool):
        raise ShapeError("expected true or false")
    return value


def _pair(value: JsonValue, base_type: str) -> Pair | DirectedPair:
    first, second = _two(value, base_type)
    if not isinstance(first, str) or not isinstance(second, str) or not first or not second:
        raise ShapeError(f"a {base_type} holds two identifiers")
    return Pair(first, second) if base_type == "pair" else DirectedPair(first, second)


def _point(value: JsonValue) -> Point:
    x, y = _two(value, "point")
    return Point(int(_number(x, integer=True)), int(_number(y, integer=True)))


def _file(value: JsonValue) -> str | None:
    """A file response is the platform's reference to the stored file (a non-empty string)."""
    if isinstance(value, dict):
        value = value.get("ref")
    if not isinstance(value, str):
        raise ShapeError('a file response is a file reference string or {"ref": ...}')
    return value or None


def _int_or_identifier(value: JsonValue) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        return value
    raise ShapeError("expected an integer or an identifier")


_SINGLE: dict[str, Callable[[JsonValue], Any]] = {
    "identifier": _text,
    "string": _text,
    "uri": _text,
    "integer": lambda v: _number(v, integer=True),
    "float": lambda v: _number(v, integer=False),
    "duration": lambda v: _number(v, integer=False),
    "boolean": _boolean,
    "pair": lambda v: _pair(v, "pair"),
    "directedPair": lambda v: _pair(v, "directedPair"),
    "point": _point,
    "intOrIdentifier": _int_or_identifier,
    "file": _file,
}


def single(base_type: str | None, value: JsonValue) -> Any:
    """One JSON value as a single QTI value of ``base_type`` (``ShapeError`` if it is not one)."""
    reader = _SINGLE.get(base_type or "")
    if reader is None:
        raise ShapeError(f"{base_type} responses are not accepted")
    return reader(value)


def _record(value: JsonValue) -> Record | None:
    if not isinstance(value, dict):
        raise ShapeError("expected an object of fields")
    record = Record()
    for name, item in value.items():
        if item is None or isinstance(item, bool | int | float | str):
            record[name] = item
        else:
            raise ShapeError("record fields are numbers, strings or booleans")
    return record or None


def value_of(decl: Declaration, value: JsonValue) -> Any:
    """One response variable's JSON value as a QTI value (``ShapeError`` if it does not fit)."""
    if value is None:
        return None
    if decl.cardinality == "record":
        return _record(value)
    if decl.cardinality == "single":
        return single(decl.base_type, value)
    if not isinstance(value, list):
        raise ShapeError("expected a list")
    pairs = decl.base_type in ("pair", "directedPair", "point")
    if pairs and len(value) == 2 and not any(isinstance(v, list) for v in value):
        raise ShapeError(f"a list of {decl.base_type}s is a list of lists")
    return container(decl.cardinality, [single(decl.base_type, item) for item in value])


_IDENTIFIER_KINDS = frozenset(
    {"choice", "inlineChoice", "order", "hottext", "hotspot", "graphicOrder"}
)
_PAIR_KINDS = frozenset({"match", "associate", "gapMatch", "graphicAssociate", "graphicGapMatch"})
_SYMMETRIC = frozenset({"associate", "graphicAssociate"})


@dataclass(frozen=True)
class _Allowed:
    """What one interaction accepts: its identifiers, pair sides and selection limit."""

    kind: str
    sources: frozenset[str]
    targets: frozenset[str]
    limit: int


def _allowed(interaction: QtiInteraction) -> _Allowed:
    sources = frozenset(c.identifier for c in interaction.choices)
    targets = frozenset(c.identifier for c in interaction.targets)
    if interaction.kind in _SYMMETRIC:
        targets = sources
    limit = next(
        (interaction.attributes[name] for name in _LIMITS if name in interaction.attributes), 0
    )
    usable = isinstance(limit, int) and not isinstance(limit, bool)
    return _Allowed(interaction.kind, sources, targets, limit if usable else 0)  # type: ignore[arg-type]


def _check_choices(allowed: _Allowed, value: Any) -> None:
    members = value if isinstance(value, Multiple | Ordered) else (value,)
    if allowed.limit > 0 and len(members) > allowed.limit:
        raise ShapeError(f"at most {allowed.limit} selections are allowed")
    if allowed.kind in _IDENTIFIER_KINDS:
        if any(isinstance(m, str) and m not in allowed.sources for m in members):
            raise ShapeError("a selection is not one of the choices")
    elif allowed.kind in _PAIR_KINDS:
        for member in members:
            if not isinstance(member, tuple):
                continue
            first, second = member
            ok = (first in allowed.sources and second in allowed.targets) or (
                isinstance(member, Pair) and second in allowed.sources and first in allowed.targets
            )
            if not ok:
                raise ShapeError("a pair names something that is not one of the choices")


def _allowed_by_response(question: QtiQuestion) -> dict[str, _Allowed]:
    return {i.response_identifier: _allowed(i) for i in question.interactions}


def read_response(
    question: QtiQuestion, responses: dict[str, Declaration], response: JsonValue
) -> dict[str, Any]:
    """The response variables' values for response processing (see module docstring)."""
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise InvalidResponseError(question.id, "expected an object keyed by response identifier")
    by_response = compiled(question, "qti-allowed", lambda: _allowed_by_response(question))
    values: dict[str, Any] = {}
    for identifier, raw in response.items():
        decl = responses.get(identifier)
        if decl is None or identifier in ("numAttempts", "duration"):
            raise InvalidResponseError(
                question.id, f"{identifier!r} is not a response of this item"
            )
        try:
            value = value_of(decl, raw)
            allowed = by_response.get(identifier)
            if value is not None and allowed is not None:
                _check_choices(allowed, value)
        except ShapeError as exc:
            raise InvalidResponseError(question.id, f"{identifier}: {exc}") from None
        values[identifier] = value
    return values
