"""Template processing (item cloning) run once: ``instantiate(item, seed) -> item``.

Called by the importer (``authoring.qti``) for items with ``templateProcessing``. QTI draws a
fresh instance of such an item per candidate session; an exam here stores one question that
every student sees and every grader scores identically, so the importer draws **one
instance**, from a random source seeded by the item identifier (the same instance on every
import), and turns it into a plain item:

* the template rules run (``templateCondition`` / ``templateIf`` / ``templateElseIf`` /
  ``templateElse``, ``setTemplateValue``, ``setCorrectResponse``, ``setDefaultValue``,
  ``exitTemplate``; a failing ``templateConstraint`` starts them again, at most 100 times);
* template variables' values become their ``defaultValue``; correct responses and defaults
  set by the rules replace the declared ones; ``templateProcessing`` is removed;
* in the body, ``printedVariable`` becomes the printed value (``format`` as printf,
  ``index``, ``delimiter``), MathML ``mi`` naming a ``mathVariable`` becomes an ``mn`` with the
  value, and elements with ``templateIdentifier`` (``templateInline``, ``templateBlock``,
  choices) are kept or removed as their ``showHide`` says.

Pure and deterministic; errors are those of the interpreter (``QtiItemError``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from assessment_engine.grading.qti.compiler import Context, Expr, State, compile_expression
from assessment_engine.grading.qti.declarations import Declaration, declaration, initial_outcome
from assessment_engine.grading.qti.errors import QtiInvalidItemError
from assessment_engine.grading.qti.rules import fit
from assessment_engine.grading.qti.values import (
    DirectedPair,
    Multiple,
    Ordered,
    Pair,
    Point,
    Record,
)
from assessment_engine.grading.qti.xml import child, children, elements

MAX_CONSTRAINT_TRIES = 100
TemplateRule = Callable[[State, dict[str, dict[str, Any]]], None]


class _ExitTemplate(Exception):  # noqa: N818 - control flow
    pass


class _Retry(Exception):  # noqa: N818 - control flow
    pass


def _assign(rule: Element, ctx: Context, targets: dict[str, Declaration]) -> TemplateRule:
    tag = str(rule.tag)
    identifier = rule.get("identifier", "")
    decl = ctx.declared(identifier, tag)
    inner = elements(rule)
    if len(inner) != 1:
        raise QtiInvalidItemError(f"{tag} takes one expression")
    expr = compile_expression(inner[0], ctx)
    slot = {"setTemplateValue": "value", "setCorrectResponse": "correct"}.get(tag, "default")
    if slot == "value" and identifier not in targets:
        raise QtiInvalidItemError(f"setTemplateValue: {identifier!r} is not a template variable")

    def assign(state: State, sets: dict[str, dict[str, Any]]) -> None:
        value = fit(decl, expr(state))
        if slot == "value":
            state[identifier] = value
        sets[slot][identifier] = value

    return assign


def _leave(_state: State, _sets: dict[str, dict[str, Any]]) -> None:
    raise _ExitTemplate


def _constraint(rule: Element, ctx: Context) -> TemplateRule:
    inner = elements(rule)
    if len(inner) != 1:
        raise QtiInvalidItemError("templateConstraint needs one condition")
    check = compile_expression(inner[0], ctx)

    def constrain(state: State, _sets: dict[str, dict[str, Any]]) -> None:
        if check(state) is not True:
            raise _Retry

    return constrain


def _compile(rule: Element, ctx: Context, targets: dict[str, Declaration]) -> TemplateRule:
    tag = str(rule.tag)
    if tag == "templateCondition":
        return _condition(rule, ctx, targets)
    if tag in ("setTemplateValue", "setCorrectResponse", "setDefaultValue"):
        return _assign(rule, ctx, targets)
    if tag == "exitTemplate":
        return _leave
    if tag == "templateConstraint":
        return _constraint(rule, ctx)
    raise QtiInvalidItemError(f"<{tag}> is not a template-processing rule")


def _condition(el: Element, ctx: Context, targets: dict[str, Declaration]) -> TemplateRule:
    branches: list[tuple[Expr | None, list[TemplateRule]]] = []
    for part in elements(el):
        inner = elements(part)
        if part.tag in ("templateIf", "templateElseIf"):
            if not inner:
                raise QtiInvalidItemError(f"{part.tag} needs a condition")
            rules = [_compile(r, ctx, targets) for r in inner[1:]]
            branches.append((compile_expression(inner[0], ctx), rules))
        elif part.tag == "templateElse":
            branches.append((None, [_compile(r, ctx, targets) for r in inner]))
        else:
            raise QtiInvalidItemError(f"<{part.tag}> cannot appear in templateCondition")

    def run(state: State, sets: dict[str, dict[str, Any]]) -> None:
        for condition, rules in branches:
            if condition is None or condition(state) is True:
                for rule in rules:
                    rule(state, sets)
                return

    return run


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Point | Pair | DirectedPair):
        return f"{value[0]} {value[1]}"
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def _set_values(holder: Element, tag: str, value: Any) -> None:
    """Replace ``holder``'s ``tag`` child (defaultValue, correctResponse) with ``value``."""
    for old in children(holder, tag):
        holder.remove(old)
    if value is None:
        return
    box = SubElement(holder, tag)
    if isinstance(value, Record):
        for name, item in value.items():
            kind = (
                "float"
                if isinstance(item, float)
                else "integer"
                if isinstance(item, int)
                else "string"
            )
            SubElement(box, "value", {"fieldIdentifier": name, "baseType": kind}).text = _text(item)
        return
    items = list(value) if isinstance(value, Multiple | Ordered) else [value]
    for item in items:
        SubElement(box, "value").text = _text(item)


def _printed(el: Element, state: State) -> str:
    value = state.get(el.get("identifier", ""))
    if value is None:
        return ""
    if isinstance(value, Multiple | Ordered):
        index = el.get("index")
        if index is not None:
            try:
                position = int(
                    state.get(index, index) if not index.lstrip("-").isdigit() else index
                )
            except (TypeError, ValueError):
                return ""
            value = value[position - 1] if 1 <= position <= len(value) else None
            if value is None:
                return ""
        else:
            return el.get("delimiter", ";").join(_formatted(el, v) for v in value)
    if isinstance(value, Record):
        return _formatted(el, value.get(el.get("field", ""), ""))
    return _formatted(el, value)


def _formatted(el: Element, value: Any) -> str:
    pattern = el.get("format")
    if pattern and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return pattern % value
        except (TypeError, ValueError):
            return _text(value)
    return _text(value)


def _shown(el: Element, state: State) -> bool:
    value = state.get(el.get("templateIdentifier", ""))
    identifier = el.get("identifier", "")
    hit = identifier in value if isinstance(value, Multiple | Ordered) else value == identifier
    return hit == (el.get("showHide", "show") == "show")


def _render_body(body: Element, state: State, math: set[str]) -> None:
    for parent in list(body.iter()):
        for sub in list(parent):
            if not isinstance(sub.tag, str):
                continue
            if sub.tag == "printedVariable":
                text = _printed(sub, state)
                index = list(parent).index(sub)
                tail = sub.tail or ""
                parent.remove(sub)
                if index == 0:
                    parent.text = (parent.text or "") + text + tail
                else:
                    prev = parent[index - 1]
                    prev.tail = (prev.tail or "") + text + tail
            elif "templateIdentifier" in sub.attrib and sub.tag not in (
                "feedbackInline",
                "feedbackBlock",
            ):
                if not _shown(sub, state):
                    tail = sub.tail or ""
                    index = list(parent).index(sub)
                    parent.remove(sub)
                    if index == 0:
                        parent.text = (parent.text or "") + tail
                    else:
                        parent[index - 1].tail = (parent[index - 1].tail or "") + tail
                elif sub.tag in ("templateInline", "templateBlock"):
                    sub.tag = "span" if sub.tag == "templateInline" else "div"
                    sub.attrib = {}
            elif sub.tag == "mi" and (sub.text or "").strip() in math:
                sub.tag = "mn"
                sub.text = _text(state.get((sub.text or "").strip()))


def instantiate(item: Element, seed: str) -> Element:
    """A copy of the normalised ``item`` with its template processing applied once."""
    processing = child(item, "templateProcessing")
    if processing is None:
        return item
    out = copy.deepcopy(item)
    templates = {d.identifier: d for d in map(declaration, children(out, "templateDeclaration"))}
    responses = {d.identifier: d for d in map(declaration, children(out, "responseDeclaration"))}
    outcomes = {d.identifier: d for d in map(declaration, children(out, "outcomeDeclaration"))}
    ctx = Context({**outcomes, **responses, **templates}, frozenset(responses), seed)
    rules = [_compile(r, ctx, templates) for r in elements(processing)]
    for _ in range(MAX_CONSTRAINT_TRIES):
        state: State = {name: d.default for name, d in templates.items()}
        state.update({name: initial_outcome(d) for name, d in outcomes.items()})
        sets: dict[str, dict[str, Any]] = {"value": {}, "correct": {}, "default": {}}
        try:
            for rule in rules:
                rule(state, sets)
        except _ExitTemplate:
            pass
        except _Retry:
            continue
        break
    out.remove(child(out, "templateProcessing"))  # type: ignore[arg-type]
    for el in children(out, "templateDeclaration"):
        _set_values(el, "defaultValue", state.get(el.get("identifier", "")))
    for el in children(out, "responseDeclaration") + children(out, "outcomeDeclaration"):
        name = el.get("identifier", "")
        if name in sets["correct"]:
            _set_values(el, "correctResponse", sets["correct"][name])
        if name in sets["default"]:
            _set_values(el, "defaultValue", sets["default"][name])
    math = {
        name
        for name, el in zip(templates, children(out, "templateDeclaration"), strict=True)
        if el.get("mathVariable") == "true"
    }
    body = child(out, "itemBody")
    if body is not None:
        _render_body(body, state, math)
    return out
