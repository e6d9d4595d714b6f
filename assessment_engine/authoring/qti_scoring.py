"""QTI response declarations and response processing, reduced to what our model can express.

Used by `authoring.qti`. Reads ``responseDeclaration`` (cardinality, baseType, correct
response, ``mapping`` with default/lower/upper bounds and case sensitivity) and works out how
each response variable is scored:

* the standard templates ``match_correct`` and ``map_response`` (any QTI 2.0-3.0 template URI)
  for an item whose response variable is ``RESPONSE``;
* the usual hand-written rules of multi-interaction items: per response, ``SCORE := SCORE +
  v`` if ``match(variable X, correct X)``, or ``SCORE := SCORE + mapResponse(X)`` (optionally
  guarded by ``isNull(X)``);
* those templates written out in full as the item's only rule (``SCORE := 1`` / ``0``,
  ``SCORE := mapResponse(RESPONSE)``).

Anything else, including ``map_response_point`` (our model has no point/area questions), an
unknown template or any other operator, raises `QtiUnsupportedError`: an item we cannot score
exactly as its author intended is refused, never given a default score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import Element

from assessment_engine.authoring.errors import QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_xml import child, children

_TEMPLATES = ("match_correct", "map_response", "map_response_point")


@dataclass(frozen=True)
class MapEntry:
    key: str
    value: float
    case_sensitive: bool


@dataclass(frozen=True)
class Mapping:
    entries: tuple[MapEntry, ...]
    default: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Declaration:
    identifier: str
    cardinality: str
    base_type: str
    correct: tuple[str, ...]
    mapping: Mapping | None


@dataclass(frozen=True)
class Scoring:
    """How one response variable contributes to SCORE."""

    kind: Literal["match_correct", "map_response"]
    declaration: Declaration
    weight: float = 1.0  # match_correct: the value added when correct


def _float(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise QtiSyntaxError(f"{what} {text!r} is not a number") from exc
    if not math.isfinite(value):
        raise QtiSyntaxError(f"{what} {text!r} is not finite")
    return value


def _mapping(el: Element | None) -> Mapping | None:
    if el is None:
        return None
    entries = []
    for entry in children(el, "mapEntry"):
        key = entry.get("mapKey")
        value = _float(entry.get("mappedValue"), "mappedValue")
        if key is None or value is None:
            raise QtiSyntaxError("mapEntry needs mapKey and mappedValue")
        sensitive = entry.get("caseSensitive", "true").strip().lower() != "false"
        entries.append(MapEntry(key.strip(), value, sensitive))
    return Mapping(
        entries=tuple(entries),
        default=_float(el.get("defaultValue"), "defaultValue") or 0.0,
        lower=_float(el.get("lowerBound"), "lowerBound"),
        upper=_float(el.get("upperBound"), "upperBound"),
    )


def declarations(item: Element) -> dict[str, Declaration]:
    out: dict[str, Declaration] = {}
    for decl in children(item, "responseDeclaration"):
        identifier = decl.get("identifier")
        if not identifier:
            raise QtiSyntaxError("responseDeclaration without identifier")
        correct_el = child(decl, "correctResponse")
        values = () if correct_el is None else children(correct_el, "value")
        out[identifier] = Declaration(
            identifier=identifier,
            cardinality=decl.get("cardinality", "single"),
            base_type=decl.get("baseType", "identifier"),
            correct=tuple((v.text or "").strip() for v in values),
            mapping=_mapping(child(decl, "mapping")),
        )
    return out


def template_name(processing: Element) -> str | None:
    uri = processing.get("template") or processing.get("templateLocation")
    if uri is None:
        return None
    name = uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
    if name not in _TEMPLATES or "rptemplates" not in uri:
        raise QtiUnsupportedError(f"unknown response processing template {uri!r}")
    return name


def _is_score_var(el: Element | None) -> bool:
    return el is not None and el.tag == "variable" and el.get("identifier") == "SCORE"


def _score_term(rule: Element, assign: bool) -> Element | None:
    """``term`` of ``SCORE := SCORE + term`` (or of ``SCORE := term`` when ``assign``)."""
    if rule.tag != "setOutcomeValue" or rule.get("identifier") != "SCORE" or len(rule) != 1:
        return None
    expr = rule[0]
    if expr.tag != "sum":
        return expr if assign else None
    if len(expr) != 2:
        return None
    first, second = expr[0], expr[1]
    if _is_score_var(first):
        return second
    if _is_score_var(second):
        return first
    return None


def _map_response_of(term: Element | None) -> str | None:
    if term is not None and term.tag == "mapResponse" and len(term) == 0:
        return term.get("identifier")
    return None


def _constant(term: Element | None) -> float | None:
    if term is None or term.tag != "baseValue":
        return None
    return _float(term.text, "baseValue")


def _match_correct_of(expr: Element) -> str | None:
    if expr.tag != "match" or len(expr) != 2:
        return None
    var, cor = expr[0], expr[1]
    if (
        var.tag == "variable"
        and cor.tag == "correct"
        and var.get("identifier") == cor.get("identifier")
    ):
        return var.get("identifier")
    return None


def _adds_zero(actions: list[Element], assign: bool) -> bool:
    return all(_constant(_score_term(a, assign)) == 0 for a in actions)


def _condition(rule: Element, decls: dict[str, Declaration], assign: bool) -> Scoring:
    branches = list(rule)
    if not branches or branches[0].tag != "responseIf" or len(branches[0]) < 1:
        raise QtiUnsupportedError("responseCondition without a responseIf")
    condition, *actions = list(branches[0])
    rest = branches[1:]
    otherwise = list(rest[0]) if len(rest) == 1 and rest[0].tag == "responseElse" else None
    matched = _match_correct_of(condition)
    if matched in decls and len(actions) == 1 and (not rest or otherwise is not None):
        weight = _constant(_score_term(actions[0], assign))
        if weight is not None and _adds_zero(otherwise or [], assign):
            if weight <= 0:
                raise QtiUnsupportedError(f"a correct {matched} adds {weight}, nothing to score")
            return Scoring("match_correct", decls[str(matched)], weight)
    if condition.tag == "isNull" and len(condition) == 1 and condition[0].tag == "variable":
        target = condition[0].get("identifier")
        if _adds_zero(actions, assign) and otherwise is not None and len(otherwise) == 1:
            mapped = _map_response_of(_score_term(otherwise[0], assign))
            if mapped is not None and mapped == target and mapped in decls:
                return Scoring("map_response", decls[mapped])
    raise QtiUnsupportedError(
        "responseCondition is not 'add v when match(X, correct X)' nor 'add mapResponse(X)'"
    )


def custom_rules(processing: Element, decls: dict[str, Declaration]) -> dict[str, Scoring]:
    """Recognise hand-written per-response rules (or an inlined template); raise otherwise.

    ``SCORE := term`` equals ``SCORE := SCORE + term`` only when it is the sole rule (SCORE
    starts at 0), so assignments are accepted only then: that covers the standard templates
    written out in full.
    """
    rules = [r for r in processing if isinstance(r.tag, str)]
    assign = len(rules) == 1
    out: dict[str, Scoring] = {}
    for rule in rules:
        if rule.tag == "responseCondition":
            scoring = _condition(rule, decls, assign)
        else:
            mapped = _map_response_of(_score_term(rule, assign))
            if mapped is None or mapped not in decls:
                raise QtiUnsupportedError(f"response processing rule <{rule.tag}> is not supported")
            scoring = Scoring("map_response", decls[mapped])
        if scoring.declaration.identifier in out:
            raise QtiUnsupportedError(f"{scoring.declaration.identifier} is scored twice")
        out[scoring.declaration.identifier] = scoring
    return out


def scorings(item: Element, decls: dict[str, Declaration]) -> dict[str, Scoring] | None:
    """Scoring per response identifier; None when the item has no response processing."""
    processing = child(item, "responseProcessing")
    if processing is None:
        return None
    name = template_name(processing)
    if name is None:
        _check_score_default(item)
        return custom_rules(processing, decls)
    if name == "map_response_point":
        raise QtiUnsupportedError(
            "map_response_point (point/area scoring) has no question type here"
        )
    if "RESPONSE" not in decls:
        raise QtiSyntaxError(f"template {name} scores RESPONSE, but no such response is declared")
    kind: Literal["match_correct", "map_response"] = (
        "match_correct" if name == "match_correct" else "map_response"
    )
    return {"RESPONSE": Scoring(kind, decls["RESPONSE"])}


def _check_score_default(item: Element) -> None:
    for outcome in children(item, "outcomeDeclaration"):
        if outcome.get("identifier") != "SCORE":
            continue
        default = child(outcome, "defaultValue")
        value = None if default is None else child(default, "value")
        if value is not None and _float(value.text, "SCORE default") not in (0.0, None):
            raise QtiUnsupportedError("SCORE has a non-zero default value; rules add to it")


def bounded(values: list[float], mapping: Mapping, *, additive: bool) -> tuple[float, list[float]]:
    """Points and per-option fractions for a mapping, or `QtiUnsupportedError` if not exact.

    ``additive``: the response is a container and mapResponse sums its distinct members;
    our multi-select grader sums fractions and clamps to [0, 1]. Otherwise one value is picked
    and our graders floor it at 0.
    """
    if additive:
        best, worst = sum(max(v, 0.0) for v in values), sum(min(v, 0.0) for v in values)
    else:
        best, worst = max(values, default=0.0), min(values, default=0.0)
    points = best if mapping.upper is None else min(best, mapping.upper)
    if points <= 0:
        raise QtiUnsupportedError("no response can score: the mapping has no positive value")
    if mapping.lower is not None and mapping.lower > 0:
        raise QtiUnsupportedError("a positive lowerBound (a score for any answer) is not supported")
    if worst < 0 and mapping.lower != 0:
        raise QtiUnsupportedError(
            "negative mapped values without lowerBound=0 can give a negative SCORE"
        )
    fractions = [v / points for v in values]
    if additive and any(abs(f) > 1 for f in fractions):
        raise QtiUnsupportedError("a mapped value exceeds the item's maximum score")
    return points, [max(-1.0, min(1.0, f)) for f in fractions]
