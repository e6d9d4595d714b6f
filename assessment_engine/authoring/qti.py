"""QTI importer: ``parse_qti(xml) -> list[Question]`` for QTI 2.1, 2.2 and 3.0 items.

Called by `authoring.detect` and the CLI. Accepts one ``assessmentItem`` /
``qti-assessment-item`` document, or any XML document wrapping several items (each becomes a
question; ids must be unique). Parsing is `qti_xml` (defusedxml only); scoring is `qti_scoring`.

Interactions and what they become:

* ``choiceInteraction`` → multichoice (single when cardinality is single); ``inlineChoice`` →
  single multichoice; ``textEntry`` → shortanswer (string) or numerical (integer/float);
  ``order`` → ordering (all-or-nothing); ``match`` / ``associate`` → matching; ``gapMatch`` →
  cloze of dropdown blanks; several choice/inline/text-entry interactions in one item → cloze,
  one blank per interaction, weighted by its maximum score; ``extendedText`` without response
  processing → essay.

Every translation keeps QTI's score for every response; where our model cannot (all-or-nothing
multiple response or matching under ``match_correct``, negative totals, positive floors, point
scoring, any other interaction), `QtiUnsupportedError` is raised. Stems and options are HTML;
feedback and rubric elements are dropped so that no key material reaches the stem.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import TypeAdapter, ValidationError

from assessment_engine.authoring.errors import QtiError, QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_scoring import (
    Declaration,
    Mapping,
    Scoring,
    bounded,
    declarations,
    scorings,
)
from assessment_engine.authoring.qti_xml import child, children, collapse, parse_items, serialise
from assessment_engine.grading.models import Question

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)
_SUPPORTED = frozenset(
    {
        "choiceInteraction",
        "inlineChoiceInteraction",
        "textEntryInteraction",
        "orderInteraction",
        "matchInteraction",
        "associateInteraction",
        "gapMatchInteraction",
        "extendedTextInteraction",
    }
)
_CLOZE_PARTS = frozenset({"choiceInteraction", "inlineChoiceInteraction", "textEntryInteraction"})
_HIDDEN = frozenset(
    {
        "feedbackInline",
        "feedbackBlock",
        "modalFeedback",
        "rubricBlock",
        "templateInline",
        "templateBlock",
    }
)
Fields = dict[str, Any]


def _drop_hidden(el: Element) -> str | None:
    return "" if el.tag in _HIDDEN else None


def _hiding(replace: Callable[[Element], str | None]) -> Callable[[Element], str | None]:
    """``replace``, but feedback/rubric/template elements always vanish."""

    def swap(el: Element) -> str | None:
        return "" if el.tag in _HIDDEN else replace(el)

    return swap


def _text(el: Element) -> str:
    return collapse(serialise(el, _drop_hidden, outer=False))


def _options(el: Element, tag: str) -> list[tuple[str, str]]:
    options = [(o.get("identifier", ""), _text(o)) for o in el.iter() if o.tag == tag]
    texts = [t for _, t in options]
    if len(set(texts)) != len(texts) or not all(i for i, _ in options):
        raise QtiUnsupportedError(f"{tag} options need distinct identifiers and distinct texts")
    return options


def _mapped(decl: Declaration, scoring: Scoring) -> Mapping:
    if decl.mapping is None:
        raise QtiSyntaxError(f"map_response on {decl.identifier} without a mapping")
    return decl.mapping


def _choice(inter: Element, scoring: Scoring, tag: str) -> tuple[Fields, float]:
    decl = scoring.declaration
    options = _options(inter, tag)
    ids = [i for i, _ in options]
    multiple = decl.cardinality == "multiple"
    if scoring.kind == "match_correct":
        correct = set(decl.correct)
        if not correct or not correct <= set(ids):
            raise QtiSyntaxError(f"{decl.identifier}: correctResponse must name choices")
        if len(correct) > 1:
            raise QtiUnsupportedError(
                f"{decl.identifier}: match_correct with several correct choices is all-or-nothing;"
                " our multiple-answer grading gives partial credit (use map_response)"
            )
        wrong = -1.0 if multiple else 0.0
        fractions = [1.0 if i in correct else wrong for i in ids]
        points = scoring.weight
    else:
        mapping = _mapped(decl, scoring)
        lookup = {e.key: e.value for e in mapping.entries}
        values = [lookup.get(i, mapping.default) for i in ids]
        points, fractions = bounded(values, mapping, additive=multiple)
    choices = [{"text": t, "fraction": f} for (_, t), f in zip(options, fractions, strict=True)]
    fields = {"type": "multichoice", "single": not multiple, "choices": choices}
    return fields | {"shuffle": inter.get("shuffle", "false") == "true"}, points


def _pattern(text: str) -> str:
    return text.replace("*", "\\*")


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise QtiSyntaxError(f"{what} {text!r} is not a number") from exc
    if not math.isfinite(value):
        raise QtiSyntaxError(f"{what} {text!r} is not finite")
    return value


def _text_entry(scoring: Scoring) -> tuple[Fields, float]:
    decl = scoring.declaration
    numeric = decl.base_type in ("integer", "float")
    if decl.base_type not in ("string", "integer", "float") or decl.cardinality != "single":
        raise QtiUnsupportedError(
            f"{decl.identifier}: text entry of {decl.base_type} is not supported"
        )
    if scoring.kind == "match_correct":
        if len(decl.correct) != 1:
            raise QtiSyntaxError(f"{decl.identifier}: text entry needs one correct value")
        keyed = [(decl.correct[0], 1.0)]
        points, default, sensitive = scoring.weight, 0.0, True
    else:
        mapping = _mapped(decl, scoring)
        keyed = [(e.key, e.value) for e in mapping.entries]
        flags = {e.case_sensitive for e in mapping.entries}
        if len(flags) > 1 and not numeric:
            raise QtiUnsupportedError(f"{decl.identifier}: mixed case sensitivity in one mapping")
        sensitive = flags != {False}
        values = [v for _, v in keyed] + [mapping.default]
        points, fractions = bounded(values, mapping, additive=False)
        keyed = [(k, f) for (k, _), f in zip(keyed, fractions, strict=False)]
        default = max(fractions[-1], 0.0)
    if numeric:
        answers: list[Fields] = [
            {"value": _number(k, "value"), "tolerance": 0.0, "fraction": max(f, 0.0)}
            for k, f in keyed
        ]
        if default > 0:
            answers.append({"value": None, "fraction": default})
        return {"type": "numerical", "answers": answers}, points
    texts: list[Fields] = [{"pattern": _pattern(k), "fraction": max(f, 0.0)} for k, f in keyed]
    if default > 0:
        texts.append({"pattern": "*", "fraction": default})
    return {"type": "shortanswer", "answers": texts, "case_sensitive": sensitive}, points


def _order(inter: Element, scoring: Scoring) -> tuple[Fields, float]:
    decl = scoring.declaration
    if scoring.kind != "match_correct":
        raise QtiUnsupportedError(f"{decl.identifier}: only match_correct is supported for order")
    texts = dict(_options(inter, "simpleChoice"))
    if sorted(decl.correct) != sorted(texts):
        raise QtiUnsupportedError(f"{decl.identifier}: the correct order must list every choice")
    items = [texts[i] for i in decl.correct]
    return {"type": "ordering", "items": items, "grading": "all_or_nothing"}, scoring.weight


def _pairs(scoring: Scoring) -> tuple[list[tuple[str, str]], float]:
    """Equal-valued directed pairs (right/total scoring) from a map_response mapping."""
    decl = scoring.declaration
    if scoring.kind == "match_correct":
        raise QtiUnsupportedError(
            f"{decl.identifier}: match_correct on pairs is all-or-nothing; our matching gives"
            " right/total partial credit (use map_response with one value per correct pair)"
        )
    mapping = _mapped(decl, scoring)
    values = {e.value for e in mapping.entries}
    if mapping.default != 0 or len(values) != 1 or min(values) <= 0:
        raise QtiUnsupportedError(f"{decl.identifier}: pairs must all map to one positive value")
    pairs = [tuple(e.key.split()) for e in mapping.entries]
    if any(len(p) != 2 for p in pairs):
        raise QtiSyntaxError(f"{decl.identifier}: pair keys are two identifiers")
    value, n = values.pop(), len(pairs)
    if mapping.upper is not None and mapping.upper < n * value:
        raise QtiUnsupportedError(f"{decl.identifier}: upperBound below the sum of the pairs")
    if len({p[0] for p in pairs}) != n:
        raise QtiUnsupportedError(f"{decl.identifier}: a source has two correct targets")
    return [(p[0], p[1]) for p in pairs], value


def _match(inter: Element, scoring: Scoring) -> tuple[Fields, float]:
    sets = children(inter, "simpleMatchSet")
    if inter.tag == "matchInteraction" and len(sets) != 2:
        raise QtiSyntaxError("matchInteraction needs two simpleMatchSets")
    source_el, target_el = (sets[0], sets[1]) if sets else (inter, inter)
    sources = dict(_options(source_el, "simpleAssociableChoice"))
    targets = dict(_options(target_el, "simpleAssociableChoice"))
    pairs, value = _pairs(scoring)
    if any(s not in sources or t not in targets for s, t in pairs):
        raise QtiSyntaxError(f"{scoring.declaration.identifier}: pair names an unknown choice")
    if {s for s, _ in pairs} != set(sources) and inter.tag == "matchInteraction":
        raise QtiUnsupportedError("every source choice needs exactly one correct target")
    used = {t for _, t in pairs}
    fields = {
        "type": "matching",
        "pairs": [{"left": sources[s], "right": targets[t]} for s, t in pairs],
        "distractors": [
            text
            for i, text in targets.items()
            if i not in used and text not in {sources[s] for s, _ in pairs}
        ],
        "shuffle": inter.get("shuffle", "false") == "true",
    }
    return fields, value * len(pairs)


def _gap_blanks(inter: Element, scoring: Scoring) -> list[tuple[Fields, float]]:
    options = _options(inter, "gapText")
    texts = dict(options)
    gaps = [g.get("identifier", "") for g in inter.iter() if g.tag == "gap"]
    decl = scoring.declaration
    if scoring.kind == "match_correct":
        if len(gaps) != 1 or len(decl.correct) != 1:
            raise QtiUnsupportedError(
                f"{decl.identifier}: match_correct over several gaps is all-or-nothing; our cloze"
                " gives per-gap credit (use map_response with one value per correct pair)"
            )
        bits = decl.correct[0].split()
        if len(bits) != 2:
            raise QtiSyntaxError(f"{decl.identifier}: pair values are two identifiers")
        pairs, value = [(bits[0], bits[1])], scoring.weight
    else:
        pairs, value = _pairs(scoring)
    answer = {target: source for source, target in pairs}
    if set(answer) != set(gaps) or not set(answer.values()) <= set(texts):
        raise QtiUnsupportedError(f"{decl.identifier}: every gap needs one correct gap text")
    blanks = []
    for gap in gaps:
        choices = [{"text": t, "fraction": 1.0 if i == answer[gap] else 0.0} for i, t in options]
        blanks.append(({"type": "multichoice", "single": True, "choices": choices}, value))
    return blanks


class _Item:
    """Builds one question from one normalised item element."""

    def __init__(self, item: Element) -> None:
        self.item = item
        self.identifier = item.get("identifier") or ""
        if not self.identifier:
            raise QtiSyntaxError("assessmentItem without identifier")
        body = child(item, "itemBody")
        if body is None:
            raise QtiSyntaxError(f"item {self.identifier!r} has no itemBody")
        self.body = body
        self.interactions = [el for el in body.iter() if str(el.tag).endswith("Interaction")]
        for el in self.interactions:
            if el.tag not in _SUPPORTED:
                raise QtiUnsupportedError(f"{el.tag} has no question type here")
        bound = [el.get("responseIdentifier", "") for el in self.interactions]
        if len(set(bound)) != len(bound):
            raise QtiUnsupportedError("two interactions share one response variable")
        self.decls = declarations(item)

    def scoring_of(self, table: dict[str, Scoring], inter: Element) -> Scoring:
        rid = inter.get("responseIdentifier", "")
        if rid not in self.decls:
            raise QtiSyntaxError(f"{inter.tag} response {rid!r} is not declared")
        if rid not in table:
            raise QtiUnsupportedError(f"response {rid!r} is never scored")
        return table[rid]

    def stem(self, replace: Callable[[Element], str | None]) -> str:
        return serialise(self.body, _hiding(replace), outer=False).strip()

    def build(self) -> Fields:
        base: Fields = {"id": self.identifier, "text_format": "html"}
        if self.item.get("title"):
            base["title"] = self.item.get("title")
        table = scorings(self.item, self.decls)
        kinds = [el.tag for el in self.interactions]
        if not kinds:
            return base | {"type": "description", "text": self.stem(lambda _: None)}
        if kinds == ["extendedTextInteraction"]:
            if table is not None:
                raise QtiUnsupportedError("automatic scoring of extended text is not supported")
            return base | {"type": "essay", "text": self.stem(_prompt_only)}
        if table is None:
            raise QtiUnsupportedError("no responseProcessing: the item would never score")
        if len(kinds) == 1 and kinds[0] != "gapMatchInteraction":
            return base | self._single(table, self.interactions[0])
        return base | self._cloze(table)

    def _single(self, table: dict[str, Scoring], inter: Element) -> Fields:
        scoring = self.scoring_of(table, inter)
        builders: dict[str, Callable[[], tuple[Fields, float]]] = {
            "choiceInteraction": lambda: _choice(inter, scoring, "simpleChoice"),
            "inlineChoiceInteraction": lambda: _choice(inter, scoring, "inlineChoice"),
            "textEntryInteraction": lambda: _text_entry(scoring),
            "orderInteraction": lambda: _order(inter, scoring),
            "matchInteraction": lambda: _match(inter, scoring),
            "associateInteraction": lambda: _match(inter, scoring),
        }
        fields, points = builders[str(inter.tag)]()
        inline = inter.tag in ("inlineChoiceInteraction", "textEntryInteraction")
        text = self.stem(lambda el: "_____" if el is inter and inline else _prompt_only(el))
        return fields | {"text": text, "points": points}

    def _cloze(self, table: dict[str, Scoring]) -> Fields:
        per_element: dict[int, tuple[Fields, float]] = {}
        for inter in self.interactions:
            scoring = self.scoring_of(table, inter)
            if inter.tag == "gapMatchInteraction":
                gaps = [g for g in inter.iter() if g.tag == "gap"]
                per_element.update(zip(map(id, gaps), _gap_blanks(inter, scoring), strict=True))
            elif inter.tag == "textEntryInteraction":
                per_element[id(inter)] = _text_entry(scoring)
            elif inter.tag in _CLOZE_PARTS:
                tag = "simpleChoice" if inter.tag == "choiceInteraction" else "inlineChoice"
                per_element[id(inter)] = _choice(inter, scoring, tag)
            else:
                raise QtiUnsupportedError(f"{inter.tag} cannot be one blank of a multi-part item")
        blanks: list[tuple[Fields, float]] = []
        markers: dict[int, str] = {}
        for el in self.body.iter():  # blanks are numbered in document order
            if id(el) in per_element:
                blanks.append(per_element[id(el)])
                markers[id(el)] = f"{{#{len(blanks)}}}"

        def replace(el: Element) -> str | None:
            if id(el) in markers:
                prompt = child(el, "prompt")
                lead = "" if prompt is None else f"<p>{_text(prompt)}</p> "
                return lead + markers[id(el)]
            if el.tag == "gapText":
                return ""
            if el.tag == "prompt":
                return f"<p>{_text(el)}</p>"
            if el.tag == "gapMatchInteraction":
                return serialise(el, _hiding(replace), outer=False)
            return None

        cloze_blanks = [
            {"weight": points, "question": fields | {"id": f"{self.identifier}.{n}", "text": ""}}
            for n, (fields, points) in enumerate(blanks, start=1)
        ]
        return {
            "type": "cloze",
            "text": self.stem(replace),
            "blanks": cloze_blanks,
            "points": sum(p for _, p in blanks),
        }


def _prompt_only(el: Element) -> str | None:
    if str(el.tag).endswith("Interaction"):
        prompt = child(el, "prompt")
        return "" if prompt is None else f"<p>{_text(prompt)}</p>"
    return None


def parse_qti(xml: str | bytes) -> list[Question]:
    """Import every item of a QTI 2.1/2.2/3.0 document; raise a `QtiError` subclass if invalid."""
    questions: list[Question] = []
    for element, _version in parse_items(xml):
        try:
            fields = _Item(element).build()
            questions.append(_QUESTION.validate_python(fields))
        except QtiError as exc:
            name = element.get("identifier") or "?"
            raise type(exc)(f"item {name!r}: {exc}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise QtiUnsupportedError(
                f"item {element.get('identifier')!r} does not fit the question model: "
                f"{where}: {first['msg']}"
            ) from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise QtiSyntaxError("two items share an identifier")
    return questions
