"""QTI importer: ``parse_qti(xml) -> list[Question]`` for QTI 2.1, 2.2 and 3.0 items.

Called by `authoring.detect` and the CLI. Accepts one ``assessmentItem`` /
``qti-assessment-item`` document, or any XML document wrapping several items (each becomes a
question; ids must be unique). Parsing is `qti_xml` (defusedxml only), scoring `qti_scoring`,
per-interaction translation `qti_interactions`; this module assembles items and stems.

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

from collections.abc import Callable
from xml.etree.ElementTree import Element

from pydantic import TypeAdapter, ValidationError

from assessment_engine.authoring.errors import QtiError, QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_interactions import (
    Fields,
    choice,
    gap_blanks,
    hiding,
    match,
    order,
    text_entry,
    text_of,
)
from assessment_engine.authoring.qti_scoring import Scoring, declarations, scorings
from assessment_engine.authoring.qti_xml import child, parse_items, serialise
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
        return serialise(self.body, hiding(replace), outer=False).strip()

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
            "choiceInteraction": lambda: choice(inter, scoring, "simpleChoice"),
            "inlineChoiceInteraction": lambda: choice(inter, scoring, "inlineChoice"),
            "textEntryInteraction": lambda: text_entry(scoring),
            "orderInteraction": lambda: order(inter, scoring),
            "matchInteraction": lambda: match(inter, scoring),
            "associateInteraction": lambda: match(inter, scoring),
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
                per_element.update(zip(map(id, gaps), gap_blanks(inter, scoring), strict=True))
            elif inter.tag == "textEntryInteraction":
                per_element[id(inter)] = text_entry(scoring)
            elif inter.tag in _CLOZE_PARTS:
                tag = "simpleChoice" if inter.tag == "choiceInteraction" else "inlineChoice"
                per_element[id(inter)] = choice(inter, scoring, tag)
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
                lead = "" if prompt is None else f"<p>{text_of(prompt)}</p> "
                return lead + markers[id(el)]
            if el.tag == "gapText":
                return ""
            if el.tag == "prompt":
                return f"<p>{text_of(el)}</p>"
            if el.tag == "gapMatchInteraction":
                return serialise(el, hiding(replace), outer=False)
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
        return "" if prompt is None else f"<p>{text_of(prompt)}</p>"
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
