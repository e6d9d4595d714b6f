"""Response and outcome declarations of a QTI item, read from its (normalised) XML.

Called by ``program`` when an item is compiled. A response declaration has an identifier,
cardinality, base type, optional default value, ``correctResponse``, ``mapping`` (entries with
per-entry case sensitivity, default value, lower/upper bound) and ``areaMapping`` (shapes with
mapped values); an outcome declaration has a default value, an optional ``lookupTable``
(``matchTable`` or ``interpolationTable``), ``normalMaximum`` and ``externalScored``.
Everything here is key material: only the interpreter reads it, never the student view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti.errors import QtiInvalidItemError
from assessment_engine.grading.qti.values import (
    BASE_TYPES,
    CARDINALITIES,
    Record,
    container,
    parse_float,
    parse_value,
)
from assessment_engine.grading.qti.xml import child, children


@dataclass(frozen=True)
class MapEntry:
    key: Any
    value: float
    case_sensitive: bool


@dataclass(frozen=True)
class _Bounded:
    """A mapping's default value and bounds (``mapping`` and ``areaMapping`` alike)."""

    default: float = 0.0
    lower: float | None = None
    upper: float | None = None

    def bounded(self, total: float) -> float:
        if self.lower is not None and total < self.lower:
            return self.lower
        if self.upper is not None and total > self.upper:
            return self.upper
        return total


@dataclass(frozen=True)
class Mapping(_Bounded):
    entries: tuple[MapEntry, ...] = ()


@dataclass(frozen=True)
class AreaEntry:
    shape: str
    coords: tuple[float, ...]
    value: float


@dataclass(frozen=True)
class AreaMapping(_Bounded):
    entries: tuple[AreaEntry, ...] = ()


@dataclass(frozen=True)
class LookupTable:
    kind: str  # "match" | "interpolation"
    entries: tuple[tuple[float, bool, Any], ...]  # (source, include boundary, target)
    default: Any = None


@dataclass(frozen=True)
class Declaration:
    identifier: str
    cardinality: str
    base_type: str | None
    default: Any = None
    correct: Any = None
    mapping: Mapping | None = None
    area_mapping: AreaMapping | None = None
    lookup: LookupTable | None = None
    normal_maximum: float | None = None
    external_scored: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


def _optional_float(el: Element, name: str) -> float | None:
    text = el.get(name)
    return None if text is None or not text.strip() else parse_float(text)


def _values(el: Element | None, cardinality: str, base_type: str | None) -> Any:
    """The value written as ``<value>`` children of ``el`` (defaultValue, correctResponse)."""
    if el is None:
        return None
    values = children(el, "value")
    if cardinality == "record":
        record = Record()
        for value in values:
            name = value.get("fieldIdentifier")
            kind = value.get("baseType")
            if not name or kind not in BASE_TYPES:
                raise QtiInvalidItemError("a record value needs fieldIdentifier and baseType")
            record[name] = parse_value(kind, value.text or "")
        return record or None
    if base_type is None:
        raise QtiInvalidItemError("a value needs the declaration's baseType")
    parsed = [parse_value(base_type, v.text or "") for v in values]
    if cardinality == "single":
        if len(parsed) > 1:
            raise QtiInvalidItemError("a single-cardinality value has more than one <value>")
        return parsed[0] if parsed else None
    return container(cardinality, parsed)


def _bounds(el: Element) -> dict[str, Any]:
    return {
        "default": _optional_float(el, "defaultValue") or 0.0,
        "lower": _optional_float(el, "lowerBound"),
        "upper": _optional_float(el, "upperBound"),
    }


def _mapping(el: Element | None, base_type: str | None) -> Mapping | None:
    if el is None:
        return None
    entries = []
    for entry in children(el, "mapEntry"):
        key = entry.get("mapKey")
        value = entry.get("mappedValue")
        if key is None or value is None or base_type is None:
            raise QtiInvalidItemError("mapEntry needs mapKey, mappedValue and a baseType")
        sensitive = entry.get("caseSensitive", "true").strip().lower() not in ("false", "0")
        key_value = key if base_type == "string" else parse_value(base_type, key)
        entries.append(MapEntry(key_value, parse_float(value), sensitive))
    return Mapping(entries=tuple(entries), **_bounds(el))


def _coords(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(c) for c in text.replace(",", " ").split())
    except ValueError as exc:
        raise QtiInvalidItemError(f"coords {text!r} are not numbers") from exc


def _area_mapping(el: Element | None) -> AreaMapping | None:
    if el is None:
        return None
    entries = []
    for entry in children(el, "areaMapEntry"):
        shape = entry.get("shape", "")
        if shape not in ("rect", "circle", "poly", "ellipse", "default"):
            raise QtiInvalidItemError(f"areaMapEntry shape {shape!r} is unknown")
        entries.append(
            AreaEntry(
                shape, _coords(entry.get("coords", "")), parse_float(entry.get("mappedValue", ""))
            )
        )
    return AreaMapping(entries=tuple(entries), **_bounds(el))


def _lookup(el: Element, base_type: str | None) -> LookupTable | None:
    table = child(el, "matchTable")
    kind = "match"
    if table is None:
        table, kind = child(el, "interpolationTable"), "interpolation"
    if table is None:
        return None
    if base_type is None:
        raise QtiInvalidItemError("a lookupTable needs the outcome's baseType")
    tag = "matchTableEntry" if kind == "match" else "interpolationTableEntry"
    entries = []
    for entry in children(table, tag):
        source = entry.get("sourceValue", "")
        include = entry.get("includeBoundary", "true").strip().lower() != "false"
        entries.append(
            (parse_float(source), include, parse_value(base_type, entry.get("targetValue", "")))
        )
    default_text = table.get("defaultValue")
    default = None if default_text is None else parse_value(base_type, default_text)
    return LookupTable(kind, tuple(entries), default)


def declaration(el: Element) -> Declaration:
    """One ``responseDeclaration``, ``outcomeDeclaration`` or ``templateDeclaration``."""
    identifier = el.get("identifier", "").strip()
    if not identifier:
        raise QtiInvalidItemError(f"{el.tag} without identifier")
    cardinality = el.get("cardinality", "single")
    if cardinality not in CARDINALITIES:
        raise QtiInvalidItemError(f"{identifier}: unknown cardinality {cardinality!r}")
    base_type = el.get("baseType")
    if cardinality != "record" and base_type not in BASE_TYPES:
        raise QtiInvalidItemError(f"{identifier}: unknown baseType {base_type!r}")
    return Declaration(
        identifier=identifier,
        cardinality=cardinality,
        base_type=None if cardinality == "record" else base_type,
        default=_values(child(el, "defaultValue"), cardinality, base_type),
        correct=_values(child(el, "correctResponse"), cardinality, base_type),
        mapping=_mapping(child(el, "mapping"), base_type),
        area_mapping=_area_mapping(child(el, "areaMapping")),
        lookup=_lookup(el, base_type),
        normal_maximum=_optional_float(el, "normalMaximum"),
        external_scored=el.get("externalScored"),
    )


def initial_outcome(decl: Declaration) -> Any:
    """An outcome's value when response processing starts: its default, else 0 or NULL."""
    if decl.default is not None:
        return decl.default
    if decl.cardinality == "single" and decl.base_type == "integer":
        return 0
    if decl.cardinality == "single" and decl.base_type == "float":
        return 0.0
    return None
