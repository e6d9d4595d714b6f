# ruff: noqa: E501  (XML fixtures read better unwrapped)
"""Small QTI items for the importer tests, in QTI 2.1/2.2 (camelCase) and 3.0 (kebab-case)."""

from __future__ import annotations

import re

NS21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
NS22 = "http://www.imsglobal.org/xsd/imsqti_v2p2"
NS30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
T21 = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
T22 = "https://www.imsglobal.org/question/qti_v2p2/rptemplates/"
T30 = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


def item21(
    declaration: str, body: str, processing: str, *, ns: str = NS21, ident: str = "i1"
) -> str:
    return (
        f'<assessmentItem xmlns="{ns}" identifier="{ident}" title="Item {ident}" adaptive="false" '
        f'timeDependent="false">{declaration}'
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
        f"<itemBody>{body}</itemBody>{processing}</assessmentItem>"
    )


def template(name: str, base: str = T21) -> str:
    return f'<responseProcessing template="{base}{name}"/>'


def choice_body(ids=("A", "B", "C", "D"), max_choices: int = 1, prompt: str = "Pick") -> str:
    choices = "".join(f'<simpleChoice identifier="{i}">Option {i}</simpleChoice>' for i in ids)
    return (
        f'<p>Stem text.</p><choiceInteraction responseIdentifier="RESPONSE" shuffle="false" '
        f'maxChoices="{max_choices}"><prompt>{prompt}</prompt>{choices}</choiceInteraction>'
    )


def declaration(
    cardinality: str, base_type: str, correct=(), mapping: str = "", ident: str = "RESPONSE"
) -> str:
    values = "".join(f"<value>{v}</value>" for v in correct)
    correct_xml = f"<correctResponse>{values}</correctResponse>" if correct else ""
    return (
        f'<responseDeclaration identifier="{ident}" cardinality="{cardinality}" baseType="{base_type}">'
        f"{correct_xml}{mapping}</responseDeclaration>"
    )


def mapping(
    entries: dict[str, float], *, default: float = 0, lower=None, upper=None, case=None
) -> str:
    bounds = "".join(
        f' {name}="{value}"'
        for name, value in (("lowerBound", lower), ("upperBound", upper))
        if value is not None
    )
    case_attr = "" if case is None else f' caseSensitive="{str(case).lower()}"'
    rows = "".join(
        f'<mapEntry mapKey="{k}" mappedValue="{v}"{case_attr}/>' for k, v in entries.items()
    )
    return f'<mapping defaultValue="{default}"{bounds}>{rows}</mapping>'


MATCH_30 = f"""<qti-assessment-item xmlns="{NS30}" identifier="match30" title="Capitals">
  <qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="directedPair">
    <qti-correct-response><qti-value>FR PAR</qti-value><qti-value>IT ROM</qti-value></qti-correct-response>
    <qti-mapping default-value="0">
      <qti-map-entry map-key="FR PAR" mapped-value="1"/>
      <qti-map-entry map-key="IT ROM" mapped-value="1"/>
      <qti-map-entry map-key="JP TOK" mapped-value="1"/>
    </qti-mapping>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <qti-match-interaction response-identifier="RESPONSE" shuffle="true" max-associations="3">
      <qti-prompt>Match each country with its capital.</qti-prompt>
      <qti-simple-match-set>
        <qti-simple-associable-choice identifier="FR" match-max="1">France</qti-simple-associable-choice>
        <qti-simple-associable-choice identifier="IT" match-max="1">Italy</qti-simple-associable-choice>
        <qti-simple-associable-choice identifier="JP" match-max="1">Japan</qti-simple-associable-choice>
      </qti-simple-match-set>
      <qti-simple-match-set>
        <qti-simple-associable-choice identifier="PAR" match-max="1">Paris</qti-simple-associable-choice>
        <qti-simple-associable-choice identifier="ROM" match-max="1">Rome</qti-simple-associable-choice>
        <qti-simple-associable-choice identifier="TOK" match-max="1">Tokyo</qti-simple-associable-choice>
        <qti-simple-associable-choice identifier="BER" match-max="1">Berlin</qti-simple-associable-choice>
      </qti-simple-match-set>
    </qti-match-interaction>
  </qti-item-body>
  <qti-response-processing template="{T30}map_response.xml"/>
</qti-assessment-item>"""

GAP_22 = f"""<assessmentItem xmlns="{NS22}" identifier="gap22" title="Cell parts" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">
    <mapping defaultValue="0">
      <mapEntry mapKey="MITO G1" mappedValue="1"/>
      <mapEntry mapKey="RIBO G2" mappedValue="1"/>
    </mapping>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <gapMatchInteraction responseIdentifier="RESPONSE" shuffle="false">
      <prompt>Fill the gaps.</prompt>
      <gapText identifier="MITO" matchMax="1">mitochondria</gapText>
      <gapText identifier="RIBO" matchMax="1">ribosomes</gapText>
      <gapText identifier="NUC" matchMax="1">nucleus</gapText>
      <p>ATP is made in the <gap identifier="G1"/> and proteins on the <gap identifier="G2"/>.</p>
    </gapMatchInteraction>
  </itemBody>
  <responseProcessing template="{T22}map_response"/>
</assessmentItem>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"><itemBody>&lol9;</itemBody></assessmentItem>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"><itemBody>&secret;</itemBody></assessmentItem>"""


_XHTML = {
    "p",
    "div",
    "span",
    "sub",
    "sup",
    "br",
    "img",
    "b",
    "i",
    "em",
    "strong",
    "table",
    "tr",
    "td",
}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def to_qti3(xml: str) -> str:
    """Rewrite a QTI 2.x item in QTI 3.0 syntax: qti- kebab-case elements and attributes."""

    def tag(match: re.Match[str]) -> str:
        slash, name, attrs = match.group(1), match.group(2), match.group(3)
        if name in _XHTML:
            return match.group(0)
        attrs = re.sub(r"\s([a-z][A-Za-z]*)=", lambda a: " " + _kebab(a.group(1)) + "=", attrs)
        return f"<{slash}qti-{_kebab(name)}{attrs}"

    converted = re.sub(r"<(/?)([a-zA-Z]+)([^>]*)", tag, xml)
    for ns in (NS21, NS22):
        converted = converted.replace(ns, NS30)
    return converted
