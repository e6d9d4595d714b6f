"""The standard response-processing templates, shipped as their published XML.

Called by ``program`` when an item's ``responseProcessing`` names a ``template`` (or a
``templateLocation``) instead of holding rules. The files in ``templates/`` are the published
rule bodies of ``match_correct``, ``map_response``, ``map_response_point`` and the Common
Cartridge variants ``CC2_match``, ``CC2_match_basic``, ``CC2_map_response``; they are parsed
once per process with defusedxml and run by the same interpreter as hand-written rules, so a
template is never a special case. Any URI under an ``rptemplates`` path whose last segment
(``.xml`` optional) names one of them resolves (the QTI 2.0/2.1/2.2/3.0 and purl forms
alike); anything else is
``QtiUnsupportedError``, because silently ignoring a template would leave every outcome at its
default (the pitfall pyqti documents).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from xml.etree.ElementTree import Element

from assessment_engine.grading.qti.errors import QtiUnsupportedError
from assessment_engine.grading.qti.xml import parse

NAMES = (
    "match_correct",
    "map_response",
    "map_response_point",
    "CC2_match",
    "CC2_match_basic",
    "CC2_map_response",
)
IMPLICIT_OUTCOMES = {
    "SCORE": "float",
    "MAXSCORE": "float",
    "FEEDBACK": "identifier",
    "FEEDBACKBASIC": "identifier",
}
"""Outcomes a template may set that an item using it need not declare (single cardinality)."""


def template_name(uri: str) -> str:
    """The template a URI names, or ``QtiUnsupportedError``."""
    name = uri.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
    if name not in NAMES or "rptemplates" not in uri:
        raise QtiUnsupportedError(f"unknown response processing template {uri!r}")
    return name


@lru_cache(maxsize=len(NAMES))
def template(name: str) -> Element:
    """The ``responseProcessing`` element of a standard template (parsed once)."""
    if name not in NAMES:
        raise QtiUnsupportedError(f"unknown response processing template {name!r}")
    text = resources.files(__package__).joinpath("templates", f"{name}.xml").read_bytes()
    return parse(text)
