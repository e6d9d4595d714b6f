"""QTI interactions -> the student-facing ``QtiInteraction`` model, one builder per kind.

Used by `authoring.qti` (which assembles items). A builder reads what the student needs to
answer: choices with their identifiers and HTML, match sets, gaps, hot texts, hotspots (shapes
are presentation, not key), the image of a graphic interaction, slider bounds, and the
interaction's constraints (``maxChoices``, ``expectedLength``, ...). Nothing of the response
declaration or processing is read here, so no key material can reach the student view.
Upload and drawing interactions take a file response: the platform stores a reference to the
file (it does not hold the file) and the item goes to manual grading. Portable custom
interactions raise `QtiUnsupportedError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from assessment_engine.authoring.errors import QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti_xml import child, children, collapse, serialise
from assessment_engine.grading.models import QtiChoice, QtiImage, QtiInteraction

HIDDEN = frozenset(
    {
        "feedbackInline",
        "feedbackBlock",
        "modalFeedback",
        "rubricBlock",
        "templateInline",
        "templateBlock",
        "printedVariable",
        "responseDeclaration",
        "outcomeDeclaration",
        "responseProcessing",
    }
)
KINDS = {
    "choiceInteraction": "choice",
    "inlineChoiceInteraction": "inlineChoice",
    "textEntryInteraction": "textEntry",
    "extendedTextInteraction": "extendedText",
    "orderInteraction": "order",
    "matchInteraction": "match",
    "associateInteraction": "associate",
    "gapMatchInteraction": "gapMatch",
    "hottextInteraction": "hottext",
    "hotspotInteraction": "hotspot",
    "selectPointInteraction": "selectPoint",
    "positionObjectInteraction": "positionObject",
    "graphicOrderInteraction": "graphicOrder",
    "graphicAssociateInteraction": "graphicAssociate",
    "graphicGapMatchInteraction": "graphicGapMatch",
    "sliderInteraction": "slider",
    "mediaInteraction": "media",
    "endAttemptInteraction": "endAttempt",
    "uploadInteraction": "upload",
    "drawingInteraction": "drawing",
}
PCI = frozenset({"customInteraction", "portableCustomInteraction"})
_ATTRIBUTES = (
    "maxChoices",
    "minChoices",
    "maxAssociations",
    "minAssociations",
    "expectedLength",
    "expectedLines",
    "patternMask",
    "placeholderText",
    "base",
    "format",
    "maxStrings",
    "minStrings",
    "lowerBound",
    "upperBound",
    "step",
    "stepLabel",
    "orientation",
    "reverse",
    "required",
    "minPlays",
    "maxPlays",
    "autostart",
    "loop",
    "title",
    "centerPoint",
    "type",
)
_INTEGERS = frozenset(
    {
        "maxChoices",
        "minChoices",
        "maxAssociations",
        "minAssociations",
        "expectedLength",
        "expectedLines",
        "base",
        "maxStrings",
        "minStrings",
        "step",
        "minPlays",
        "maxPlays",
    }
)
_BOOLEANS = frozenset({"stepLabel", "reverse", "required", "autostart", "loop"})
_FLOATS = frozenset({"lowerBound", "upperBound"})


def is_interaction(el: Element) -> bool:
    tag = str(el.tag)
    return tag in KINDS or tag in PCI


def hiding(replace: Callable[[Element], str | None]) -> Callable[[Element], str | None]:
    """``replace``, but feedback/rubric/template elements always vanish."""

    def swap(el: Element) -> str | None:
        return "" if el.tag in HIDDEN else replace(el)

    return swap


def html(el: Element, replace: Callable[[Element], str | None] = lambda _: None) -> str:
    """The content of ``el`` as HTML without hidden elements, whitespace collapsed."""
    return collapse(serialise(el, hiding(replace), outer=False))


def _attributes(el: Element) -> dict[str, str | int | float | bool]:
    out: dict[str, str | int | float | bool] = {}
    for name in _ATTRIBUTES:
        text = el.get(name)
        if text is None:
            continue
        try:
            if name in _INTEGERS:
                out[name] = int(text)
            elif name in _FLOATS:
                out[name] = float(text)
            elif name in _BOOLEANS:
                out[name] = text.strip().lower() in ("true", "1")
            else:
                out[name] = text
        except ValueError as exc:
            raise QtiSyntaxError(f"{el.tag} {name}={text!r} is not a number") from exc
    return out


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _choice(el: Element, text: str | None = None) -> QtiChoice:
    identifier = el.get("identifier", "")
    if not identifier:
        raise QtiSyntaxError(f"{el.tag} without identifier")
    obj = _object(el)
    return QtiChoice(
        identifier=identifier,
        text=html(el) if text is None else text,
        fixed=el.get("fixed", "false").strip().lower() == "true",
        match_max=_int(el.get("matchMax")),
        match_min=_int(el.get("matchMin")),
        shape=el.get("shape"),
        coords=el.get("coords"),
        image=None if obj is None else obj.data,
    )


def _object(el: Element) -> QtiImage | None:
    found = child(el, "object")
    if found is not None:
        return QtiImage(
            data=found.get("data", ""),
            type=found.get("type", ""),
            width=_int(found.get("width")),
            height=_int(found.get("height")),
        )
    img = child(el, "img")
    if img is not None:
        return QtiImage(
            data=img.get("src", ""),
            type="image",
            width=_int(img.get("width")),
            height=_int(img.get("height")),
        )
    return None


def _all(el: Element, tags: tuple[str, ...]) -> list[Element]:
    return [d for d in el.iter() if d.tag in tags]


def _prompt(el: Element) -> str:
    prompt = child(el, "prompt")
    return "" if prompt is None else html(prompt)


def _marked_content(el: Element, marker: str, tag: str) -> str:
    def replace(sub: Element) -> str | None:
        if sub.tag == tag:
            return f"{{{{{marker}:{sub.get('identifier', '')}}}}}"
        if sub.tag in ("prompt", "gapText", "gapImg"):
            return ""
        return None

    return html(el, replace)


def _hotspots(el: Element, tag: str) -> tuple[QtiChoice, ...]:
    return tuple(_choice(h, h.get("hotspotLabel", "")) for h in _all(el, (tag,)))


def _match_sets(el: Element) -> dict[str, Any]:
    sets = children(el, "simpleMatchSet")
    if len(sets) != 2:
        raise QtiSyntaxError("matchInteraction needs two simpleMatchSets")
    return {
        "choices": tuple(_choice(c) for c in children(sets[0], "simpleAssociableChoice")),
        "targets": tuple(_choice(c) for c in children(sets[1], "simpleAssociableChoice")),
    }


def _choices_of(kind: str, el: Element) -> dict[str, Any]:
    """The choices/targets/content fields of one interaction kind."""
    simple = {
        "choice": ("simpleChoice",),
        "order": ("simpleChoice",),
        "inlineChoice": ("inlineChoice",),
        "associate": ("simpleAssociableChoice",),
    }
    if kind in simple:
        return {"choices": tuple(_choice(c) for c in _all(el, simple[kind]))}
    if kind == "match":
        return _match_sets(el)
    if kind == "gapMatch":
        return {
            "choices": tuple(_choice(c) for c in _all(el, ("gapText", "gapImg"))),
            "targets": tuple(_choice(g, "") for g in _all(el, ("gap",))),
            "content": _marked_content(el, "gap", "gap"),
        }
    if kind == "hottext":
        return {
            "choices": tuple(_choice(h) for h in _all(el, ("hottext",))),
            "content": _marked_content(el, "hottext", "hottext"),
        }
    if kind in ("hotspot", "graphicOrder"):
        return {"choices": _hotspots(el, "hotspotChoice")}
    if kind == "graphicAssociate":
        return {"choices": _hotspots(el, "associableHotspot")}
    if kind == "graphicGapMatch":
        return {
            "choices": tuple(_choice(c) for c in _all(el, ("gapImg", "gapText"))),
            "targets": _hotspots(el, "associableHotspot"),
        }
    return {}


def build(el: Element, stage: Element | None = None) -> QtiInteraction:
    """The student-facing model of one interaction element (see module docstring)."""
    tag = str(el.tag)
    if tag in PCI:
        raise QtiUnsupportedError(f"{tag}: portable custom interactions are not supported")
    kind = KINDS[tag]
    response = el.get("responseIdentifier", "")
    if not response:
        raise QtiSyntaxError(f"{tag} without responseIdentifier")
    fields: dict[str, Any] = {
        "kind": kind,
        "response_identifier": response,
        "prompt": _prompt(el),
        "shuffle": el.get("shuffle", "false").strip().lower() == "true",
        "attributes": _attributes(el),
        "image": _object(el),
    }
    fields.update(_choices_of(kind, el))
    if kind == "positionObject" and stage is not None:
        background = _object(stage)
        if background is not None:
            fields["attributes"] = fields["attributes"] | {
                "stageImage": background.data,
                **({"stageWidth": background.width} if background.width else {}),
                **({"stageHeight": background.height} if background.height else {}),
            }
    _check_distinct(fields)
    return QtiInteraction(**fields)


def _check_distinct(fields: dict[str, Any]) -> None:
    for name in ("choices", "targets"):
        ids = [c.identifier for c in fields.get(name, ())]
        if len(set(ids)) != len(ids):
            raise QtiSyntaxError(
                f"{fields['kind']} interaction has two choices with one identifier"
            )
