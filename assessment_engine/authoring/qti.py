"""QTI importer: ``parse_qti(xml) -> list[Question]`` for QTI 2.0, 2.1, 2.2 and 3.0 items.

Called by `authoring.detect`, `authoring.qti_package`, the API's bank import and the CLI.
Accepts one ``assessmentItem`` / ``qti-assessment-item`` document, or any XML document
wrapping several items (each becomes a question; ids must be unique). Parsing is `qti_xml`
(defusedxml only); interactions are `qti_interactions`.

Every item becomes a ``QtiQuestion`` graded by the QTI interpreter (``grading.qti``): the
item's own declarations and response processing (standard template or custom rules) are kept
as ``scoring_xml`` and compiled here once, so an item the interpreter cannot run is refused at
import, never at grading. The stem is the item body's HTML with each interaction replaced by
``{{interaction:ID}}`` and feedback, rubric, template and printed-variable elements dropped, so
no key material reaches it; ``modalFeedback`` is kept for the grade (released results), never
for the student view. ``points`` is the item's maximum score (``grading.qti.maxscore``).
An item with extended text, upload or drawing and no automatic scoring (no response
processing, or a SCORE scored by a human) is stored for manual grading.

Items with ``templateProcessing`` (cloning) are instantiated once, deterministically
(``grading.qti.templating``): every student sees, and is scored on, the same instance.
Upload and drawing interactions (file responses) go to manual grading like extended text.
Refused with `QtiUnsupportedError`: ``customOperator``, portable custom interactions and
vendor extensions (unknown templates). Malformed
items (undeclared variables, bad values, unknown elements in response processing) are
`QtiSyntaxError`.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable
from xml.etree.ElementTree import Element

from pydantic import TypeAdapter, ValidationError

from assessment_engine.authoring.errors import QtiError, QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_interactions import HIDDEN, build, html, is_interaction
from assessment_engine.authoring.qti_xml import child, children, parse_items, serialise
from assessment_engine.grading.models import QtiInteraction, Question
from assessment_engine.grading.qti import errors as interpreter
from assessment_engine.grading.qti.maxscore import max_score
from assessment_engine.grading.qti.program import program_for
from assessment_engine.grading.qti.templating import instantiate

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)
_SCORING = (
    "responseDeclaration",
    "outcomeDeclaration",
    "templateDeclaration",
    "templateProcessing",
    "responseProcessing",
)
_MANUAL = frozenset({"extendedText", "upload", "drawing"})


def scoring_xml(item: Element) -> str:
    """The item's declarations and response processing as one normalised XML document."""
    root = Element("assessmentItem", {"identifier": item.get("identifier", "")})
    for tag in _SCORING:
        root.extend(copy.deepcopy(el) for el in children(item, tag))
    return ET.tostring(root, encoding="unicode")


def _interactions(body: Element) -> tuple[list[QtiInteraction], dict[int, str]]:
    """Every interaction in document order, and element id -> marker for the stem."""
    found: list[QtiInteraction] = []
    markers: dict[int, str] = {}
    for el in body.iter():
        if el.tag == "positionObjectStage":
            for inter in children(el, "positionObjectInteraction"):
                found.append(build(inter, stage=el))
            markers[id(el)] = "".join(
                f"{{{{interaction:{i.get('responseIdentifier', '')}}}}}"
                for i in children(el, "positionObjectInteraction")
            )
        elif is_interaction(el) and el.tag != "positionObjectInteraction":
            interaction = build(el)
            found.append(interaction)
            markers[id(el)] = f"{{{{interaction:{interaction.response_identifier}}}}}"
    return found, markers


def _manual(item: Element, kinds: set[str]) -> bool:
    if not kinds & _MANUAL:
        return False
    if child(item, "responseProcessing") is None:
        return True
    for outcome in children(item, "outcomeDeclaration"):
        if outcome.get("identifier") == "SCORE" and outcome.get("externalScored") == "human":
            return True
    return False


def _limits(interactions: list[QtiInteraction]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for interaction in interactions:
        for name in ("maxChoices", "maxAssociations"):
            value = interaction.attributes.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                limits[interaction.response_identifier] = value
    return limits


def item_fields(item: Element, version: str) -> dict[str, object]:
    """The ``QtiQuestion`` fields of one normalised item (see module docstring)."""
    identifier = item.get("identifier") or ""
    if not identifier:
        raise QtiSyntaxError("assessmentItem without identifier")
    try:
        item = instantiate(item, identifier)
    except interpreter.QtiUnsupportedError as exc:
        raise QtiUnsupportedError(str(exc)) from exc
    except interpreter.QtiItemError as exc:
        raise QtiSyntaxError(f"template processing: {exc}") from exc
    body = child(item, "itemBody")
    if body is None:
        raise QtiSyntaxError("no itemBody")
    interactions, markers = _interactions(body)
    bound = [i.response_identifier for i in interactions]
    if len(set(bound)) != len(bound):
        raise QtiSyntaxError("two interactions share one response variable")
    scoring = scoring_xml(item)
    try:
        program = program_for(scoring, identifier)
        undeclared = [r for r in bound if r not in program.responses]
        if undeclared:
            raise QtiSyntaxError(f"interaction response {undeclared[0]!r} is not declared")
        manual = _manual(item, {i.kind for i in interactions})
        points = max_score(program, _limits(interactions), manual)
    except interpreter.QtiUnsupportedError as exc:
        raise QtiUnsupportedError(str(exc)) from exc
    except interpreter.QtiItemError as exc:
        raise QtiSyntaxError(str(exc)) from exc
    text = serialise(body, _stem(markers), outer=False).strip()
    feedback = [_modal(el) for el in children(item, "modalFeedback")]
    fields: dict[str, object] = {
        "type": "qti",
        "id": identifier,
        "text": text,
        "text_format": "html",
        "qti_version": version,
        "interactions": [i.model_dump() for i in interactions],
        "scoring_xml": scoring,
        "points": points,
        "manual": manual,
        "modal_feedback": feedback,
    }
    if item.get("title"):
        fields["title"] = item.get("title")
    return fields


def _modal(el: Element) -> dict[str, object]:
    """One ``modalFeedback`` (QTI 3 wraps its content in ``qti-content-body``)."""
    content = child(el, "contentBody")
    return {
        "outcome": el.get("outcomeIdentifier", ""),
        "identifier": el.get("identifier", ""),
        "show": el.get("showHide", "show") != "hide",
        "text": html(content if content is not None else el),
    }


def _stem(markers: dict[int, str]) -> Callable[[Element], str | None]:
    def replace(el: Element) -> str | None:
        if el.tag in HIDDEN:
            return ""
        return markers.get(id(el))

    return replace


def parse_qti(xml: str | bytes) -> list[Question]:
    """Import every item of a QTI document; raise a `QtiError` subclass if one cannot be."""
    questions: list[Question] = []
    for element, version in parse_items(xml):
        name = element.get("identifier") or "?"
        try:
            questions.append(_QUESTION.validate_python(item_fields(element, version)))
        except QtiError as exc:
            raise type(exc)(f"item {name!r}: {exc}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise QtiSyntaxError(
                f"item {name!r} does not fit the model: {where}: {first['msg']}"
            ) from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise QtiSyntaxError("two items share an identifier")
    return questions
