"""Safe XML for the QTI interpreter: parse with defusedxml, one vocabulary for QTI 2.x and 3.0.

Called by ``program`` (an item's scoring XML), ``templates`` (the standard templates) and the
importer (``authoring.qti_xml``). Parsing goes through ``defusedxml.ElementTree`` with DTDs,
entity declarations and external references forbidden. ``normalise`` rewrites QTI 3 kebab-case
``qti-`` names (``qti-map-response``, ``base-type``) to the QTI 2 camelCase names
(``mapResponse``, ``baseType``) and drops namespaces, so the interpreter reads every version
with one vocabulary.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from assessment_engine.grading.qti.errors import QtiInvalidItemError

MAX_BYTES = 20_000_000


def camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def normalise(root: Element) -> Element:
    """Rewrite ``root``'s tree in place to QTI 2 names without namespaces; return it."""
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments / processing instructions
            continue
        name = local(el.tag)
        if name.startswith("qti-"):
            el.tag = camel(name[4:])
            el.attrib = {camel(local(k)): v for k, v in el.attrib.items()}
        else:
            el.tag = name
            el.attrib = {local(k): v for k, v in el.attrib.items()}
    return root


def parse(xml: str | bytes) -> Element:
    """Parse and normalise; ``QtiInvalidItemError`` for malformed or forbidden XML."""
    return normalise(parse_raw(xml))


def parse_raw(xml: str | bytes) -> Element:
    """Parse safely, names untouched; ``QtiInvalidItemError`` for malformed or forbidden XML."""
    if len(xml) > MAX_BYTES:
        raise QtiInvalidItemError(f"XML larger than {MAX_BYTES} bytes")
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise QtiInvalidItemError(f"forbidden XML construct ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise QtiInvalidItemError(f"malformed XML: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an encoding declaration on a str
        raise QtiInvalidItemError(f"unreadable XML: {exc}") from exc
    parsed: Element = root
    return parsed


def elements(el: Element) -> list[Element]:
    """Child elements (comments and processing instructions left out)."""
    return [c for c in el if isinstance(c.tag, str)]


def children(el: Element, tag: str) -> list[Element]:
    return [c for c in el if c.tag == tag]


def child(el: Element, tag: str) -> Element | None:
    return next((c for c in el if c.tag == tag), None)
