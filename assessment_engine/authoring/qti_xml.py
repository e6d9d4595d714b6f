"""Safe QTI XML reading: parse with defusedxml, normalise QTI 2.x/3.0 names, serialise content.

Used only by the QTI importer (`authoring.qti`, `authoring.qti_interactions`). Parsing goes through
``defusedxml.ElementTree`` (``grading.qti.xml.parse_raw``) with DTDs, entity declarations and
external references forbidden and a 20 MB cap, so a billion-laughs or XXE document is a
`QtiSyntaxError`, never an expansion. QTI 3 kebab-case
``qti-`` names (``qti-choice-interaction``, ``response-identifier``) are rewritten to the QTI 2
camelCase names (``choiceInteraction``, ``responseIdentifier``) and namespaces are dropped
(``grading.qti.xml.normalise``, the interpreter's own vocabulary), so the rest of the importer
handles every version with one vocabulary.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

from assessment_engine.authoring.errors import QtiSyntaxError
from assessment_engine.grading.qti.errors import QtiInvalidItemError
from assessment_engine.grading.qti.xml import child, children, normalise, parse_raw

_KNOWN_NAMESPACES = {
    "http://www.imsglobal.org/xsd/imsqti_v2p1": "2.1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2": "2.2",
    "http://www.imsglobal.org/xsd/imsqtiasi_v3p0": "3.0",
}
_VOID = frozenset({"br", "hr", "img", "col", "wbr", "source", "track", "area"})


def version_of(raw_root_tag: str) -> str:
    namespace = raw_root_tag[1:].split("}", 1)[0] if raw_root_tag.startswith("{") else ""
    return _KNOWN_NAMESPACES.get(namespace, "unknown")


def parse_items(xml: str | bytes) -> list[tuple[Element, str]]:
    """Every assessment item in the document (the root, or items inside a wrapper), normalised."""
    try:
        root = parse_raw(xml)
    except QtiInvalidItemError as exc:
        raise QtiSyntaxError(f"QTI document: {exc}") from exc
    found = [el for el in root.iter() if _is_item(el.tag)]
    versions = [version_of(el.tag) for el in found]
    normalise(root)
    if not found:
        raise QtiSyntaxError(f"no assessmentItem / qti-assessment-item in <{root.tag}>")
    return list(zip(found, versions, strict=True))


def _is_item(tag: object) -> bool:
    return isinstance(tag, str) and tag.rsplit("}", 1)[-1] in (
        "assessmentItem",
        "qti-assessment-item",
    )


def descendants(el: Element, tags: frozenset[str]) -> Iterator[Element]:
    return (d for d in el.iter() if d.tag in tags)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def serialise(el: Element, replace: Callable[[Element], str | None], *, outer: bool) -> str:
    """Serialise an element (or only its content) as HTML, letting ``replace`` swap elements."""
    parts: list[str] = []
    if outer:
        substitute = replace(el)
        if substitute is not None:
            return substitute + html.escape(el.tail or "", quote=False)
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in el.attrib.items())
        if el.tag in _VOID and not el.text and len(el) == 0:
            return f"<{el.tag}{attrs}/>" + html.escape(el.tail or "", quote=False)
        parts.append(f"<{el.tag}{attrs}>")
    parts.append(html.escape(el.text or "", quote=False))
    for sub in el:
        if isinstance(sub.tag, str):
            parts.append(serialise(sub, replace, outer=True))
        else:
            parts.append(html.escape(sub.tail or "", quote=False))
    if outer:
        parts.append(f"</{el.tag}>" + html.escape(el.tail or "", quote=False))
    return "".join(parts)


def inner_text(el: Element) -> str:
    """The content of an element as collapsed HTML (choice and item texts)."""
    return collapse(serialise(el, lambda _: None, outer=False))


__all__ = ["child", "children", "collapse", "descendants", "inner_text", "parse_items", "serialise"]
