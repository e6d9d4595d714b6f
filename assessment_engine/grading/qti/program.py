"""An item's response processing compiled once: ``program_for(scoring_xml, seed) -> ItemProgram``.

Called by ``grading.qti.grade`` (every grading) and by the importer (to check an item and work
out its maximum score). The scoring XML holds the item's ``responseDeclaration``s,
``outcomeDeclaration``s, ``templateDeclaration``s and ``responseProcessing`` (rules, or a
``template`` / ``templateLocation`` resolved by ``templates``), normalised to QTI 2 names.
Compiling reads the declarations, adds the built-in variables (``numAttempts`` = 1,
``duration`` = 0, ``completionStatus``) and turns every rule into a closure; running starts
from the outcomes' defaults (numeric outcomes without one start at 0, others at NULL), adds the
responses and runs the rules until the end or ``exitResponse``. The random source
(``randomInteger``, ``randomFloat``, ``random``) is reseeded from the item before each run, so a
run is a pure function of the item and the responses.

Programs are cached by the SHA-256 of (scoring XML, seed) in a bounded per-process table, so
workers and the Lambda function compile each item once however many question objects carry it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti.compiler import Context, State
from assessment_engine.grading.qti.declarations import Declaration, declaration, initial_outcome
from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiUnsupportedError
from assessment_engine.grading.qti.rules import ExitResponse, Rule, compile_rules
from assessment_engine.grading.qti.templates import IMPLICIT_OUTCOMES, template, template_name
from assessment_engine.grading.qti.xml import child, children, elements, parse

MAX_PROGRAMS = 4096
BUILTIN_RESPONSES = {
    "numAttempts": Declaration("numAttempts", "single", "integer", default=1),
    "duration": Declaration("duration", "single", "float", default=0.0),
}
BUILTIN_OUTCOMES = {
    "completionStatus": Declaration(
        "completionStatus", "single", "identifier", default="not_attempted"
    ),
}


@dataclass(frozen=True)
class ItemProgram:
    """A compiled item: its declarations and its response processing as closures."""

    responses: dict[str, Declaration]
    outcomes: dict[str, Declaration]
    initial: dict[str, Any]
    rules: tuple[Rule, ...]
    context: Context
    has_processing: bool
    implicit: frozenset[str] = frozenset()
    """Outcomes the item did not declare but its template sets (``templates.IMPLICIT_OUTCOMES``)."""

    def declares(self, identifier: str) -> bool:
        """Whether the item itself declares outcome ``identifier``."""
        return identifier in self.outcomes and identifier not in self.implicit

    def run(self, responses: dict[str, Any]) -> State:
        """Outcome (and response) values after response processing of ``responses``."""
        state = dict(self.initial)
        state.update(responses)
        if self.context.uses_random:
            self.context.rng.seed(f"qti:{self.context.seed}")
        try:
            for rule in self.rules:
                rule(state)
        except ExitResponse:
            pass
        return state


def _declarations(root: Element, tag: str) -> dict[str, Declaration]:
    out: dict[str, Declaration] = {}
    for el in children(root, tag):
        decl = declaration(el)
        if decl.identifier in out:
            raise QtiInvalidItemError(f"{decl.identifier!r} is declared twice")
        out[decl.identifier] = decl
    return out


def _rules(processing: Element | None, outcomes: dict[str, Declaration]) -> list[Element]:
    if processing is None:
        return []
    rules = elements(processing)
    uri = processing.get("template") or processing.get("templateLocation")
    if rules or uri is None:
        return rules
    for identifier, base_type in IMPLICIT_OUTCOMES.items():
        outcomes.setdefault(identifier, Declaration(identifier, "single", base_type))
    return elements(template(template_name(uri)))


def compile_program(root: Element, seed: str = "") -> ItemProgram:
    """Compile the scoring part of one normalised item (see module docstring)."""
    if child(root, "templateProcessing") is not None:
        raise QtiUnsupportedError(
            "templateProcessing (item cloning) is not supported: each student would need their"
            " own instance of the item"
        )
    responses = {**BUILTIN_RESPONSES, **_declarations(root, "responseDeclaration")}
    outcomes = {**BUILTIN_OUTCOMES, **_declarations(root, "outcomeDeclaration")}
    templates = _declarations(root, "templateDeclaration")
    clash = (set(responses) & set(outcomes)) | ((set(responses) | set(outcomes)) & set(templates))
    if clash:
        raise QtiInvalidItemError(f"{sorted(clash)[0]!r} is declared twice")
    processing = child(root, "responseProcessing")
    declared = set(outcomes)
    rule_elements = _rules(processing, outcomes)
    context = Context({**templates, **outcomes, **responses}, frozenset(responses), seed)
    try:
        rules = compile_rules(rule_elements, context)
    except RecursionError as exc:
        raise QtiInvalidItemError("response processing is nested too deeply") from exc
    initial = {name: initial_outcome(decl) for name, decl in outcomes.items()}
    initial.update({name: decl.default for name, decl in templates.items()})
    initial.update({name: decl.default for name, decl in BUILTIN_RESPONSES.items()})
    implicit = frozenset(set(outcomes) - declared)
    return ItemProgram(
        responses, outcomes, initial, tuple(rules), context, processing is not None, implicit
    )


_programs: dict[str, ItemProgram] = {}


def program_for(scoring_xml: str, seed: str = "") -> ItemProgram:
    """The compiled program of a scoring XML document, compiled once per process."""
    digest = hashlib.sha256(f"{seed}\0{scoring_xml}".encode()).hexdigest()
    program = _programs.get(digest)
    if program is None:
        program = compile_program(parse(scoring_xml), seed)
        if len(_programs) >= MAX_PROGRAMS:
            _programs.clear()
        _programs[digest] = program
    return program


def clear() -> None:
    """Forget every compiled program (tests)."""
    _programs.clear()
