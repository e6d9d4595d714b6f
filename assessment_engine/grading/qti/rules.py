"""Response-processing rules compiled to closures: conditions, outcome assignments, lookups.

Called by ``program`` for an item's ``responseProcessing`` (or the template it names).
``responseCondition`` (``responseIf`` / ``responseElseIf`` / ``responseElse``; a NULL condition
counts as false), ``setOutcomeValue`` (integer values become float for float outcomes),
``lookupOutcomeValue`` (the outcome's ``matchTable`` or ``interpolationTable``),
``exitResponse`` (stops processing) and ``responseProcessingFragment`` (a group of rules).
Assigning to a response variable, template rules and unknown rules are
``QtiInvalidItemError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti import operators_logic, operators_math  # noqa: F401 - registrations
from assessment_engine.grading.qti.compiler import Context, Expr, State, compile_expression
from assessment_engine.grading.qti.declarations import Declaration, LookupTable
from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiRuntimeError
from assessment_engine.grading.qti.values import Multiple, Ordered, Record, as_number, coerce
from assessment_engine.grading.qti.xml import elements

Rule = Callable[[State], None]


class ExitResponse(Exception):  # noqa: N818 - control flow, named after the QTI rule
    """Raised by ``exitResponse``; ``program`` stops processing when it sees it."""


def compile_rules(rules: list[Element], ctx: Context) -> list[Rule]:
    return [compile_rule(rule, ctx) for rule in rules]


def run_rules(rules: list[Rule], state: State) -> None:
    for rule in rules:
        rule(state)


def compile_rule(el: Element, ctx: Context) -> Rule:
    tag = str(el.tag)
    if tag == "responseCondition":
        return _condition(el, ctx)
    if tag == "setOutcomeValue":
        return _set_outcome(el, ctx)
    if tag == "lookupOutcomeValue":
        return _lookup_outcome(el, ctx)
    if tag == "exitResponse":
        return _exit
    if tag in ("responseProcessingFragment", "include"):
        inner = compile_rules(elements(el), ctx)
        return lambda state: run_rules(inner, state)
    raise QtiInvalidItemError(f"<{tag}> is not a response-processing rule")


def _exit(_state: State) -> None:
    raise ExitResponse


def _condition(el: Element, ctx: Context) -> Rule:
    branches: list[tuple[Expr, list[Rule]]] = []
    otherwise: list[Rule] = []
    parts = elements(el)
    if not parts or parts[0].tag != "responseIf":
        raise QtiInvalidItemError("responseCondition must start with responseIf")
    for position, part in enumerate(parts):
        if part.tag in ("responseIf", "responseElseIf"):
            if part.tag == "responseIf" and position:
                raise QtiInvalidItemError("responseIf must come first")
            inner = elements(part)
            if not inner:
                raise QtiInvalidItemError(f"{part.tag} needs a condition")
            branches.append((compile_expression(inner[0], ctx), compile_rules(inner[1:], ctx)))
        elif part.tag == "responseElse" and position == len(parts) - 1:
            otherwise = compile_rules(elements(part), ctx)
        else:
            raise QtiInvalidItemError(f"<{part.tag}> cannot appear in responseCondition here")

    def run(state: State) -> None:
        for condition, rules in branches:
            if condition(state) is True:
                run_rules(rules, state)
                return
        run_rules(otherwise, state)

    return run


def _outcome(el: Element, ctx: Context) -> Declaration:
    identifier = el.get("identifier", "")
    decl = ctx.declared(identifier, str(el.tag))
    if identifier in ctx.responses:
        raise QtiInvalidItemError(f"{el.tag}: {identifier!r} is a response, not an outcome")
    return decl


def fit(decl: Declaration, value: Any) -> Any:
    """``value`` converted to ``decl``'s type as setOutcomeValue does, or ``QtiRuntimeError``."""
    if value is None:
        return None
    if decl.cardinality == "single":
        if isinstance(value, Multiple | Ordered | Record):
            raise QtiRuntimeError(f"{decl.identifier} is single, the value is a container")
        if decl.base_type == "integer" and isinstance(value, float):
            # a float into an integer outcome: truncated, as qti-sdk converts
            return int(value)
        return coerce(decl.base_type, value)
    if decl.cardinality == "record":
        if not isinstance(value, Record):
            raise QtiRuntimeError(f"{decl.identifier} is a record")
        return value
    items = [value] if not isinstance(value, Multiple | Ordered) else list(value)
    items = [coerce(decl.base_type, item) for item in items]
    return (Multiple if decl.cardinality == "multiple" else Ordered)(items)


def _set_outcome(el: Element, ctx: Context) -> Rule:
    decl = _outcome(el, ctx)
    inner = elements(el)
    if len(inner) != 1:
        raise QtiInvalidItemError("setOutcomeValue takes one expression")
    expr = compile_expression(inner[0], ctx)
    identifier = decl.identifier

    def run(state: State) -> None:
        state[identifier] = fit(decl, expr(state))

    return run


def lookup(table: LookupTable, value: Any) -> Any:
    if value is None:
        return table.default
    number = as_number(value)
    if table.kind == "match":
        for source, _include, target in table.entries:
            if source == number:
                return target
        return table.default
    for source, include, target in table.entries:
        if number > source or (include and number == source):
            return target
    return table.default


def _lookup_outcome(el: Element, ctx: Context) -> Rule:
    decl = _outcome(el, ctx)
    if decl.lookup is None:
        raise QtiInvalidItemError(f"lookupOutcomeValue: {decl.identifier!r} has no lookupTable")
    inner = elements(el)
    if len(inner) != 1:
        raise QtiInvalidItemError("lookupOutcomeValue takes one expression")
    expr = compile_expression(inner[0], ctx)
    table = decl.lookup
    identifier = decl.identifier

    def run(state: State) -> None:
        state[identifier] = fit(decl, lookup(table, expr(state)))

    return run
