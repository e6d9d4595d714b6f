"""Property tests: any XML built from QTI vocabulary imports or raises a QtiError, nothing
else; any zip (hostile member names, modes, broken members) raises only QtiError."""

from __future__ import annotations

import io
import warnings
import zipfile
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_engine.authoring.errors import QtiError
from assessment_engine.authoring.qti import parse_qti
from assessment_engine.authoring.qti_package import parse_qti_package

TAGS = [
    "assessmentItem",
    "itemBody",
    "responseDeclaration",
    "outcomeDeclaration",
    "correctResponse",
    "value",
    "mapping",
    "mapEntry",
    "responseProcessing",
    "responseCondition",
    "responseIf",
    "responseElse",
    "setOutcomeValue",
    "sum",
    "variable",
    "correct",
    "baseValue",
    "mapResponse",
    "isNull",
    "match",
    "choiceInteraction",
    "simpleChoice",
    "textEntryInteraction",
    "inlineChoiceInteraction",
    "inlineChoice",
    "orderInteraction",
    "matchInteraction",
    "simpleMatchSet",
    "simpleAssociableChoice",
    "gapMatchInteraction",
    "gapText",
    "gap",
    "extendedTextInteraction",
    "prompt",
    "p",
    "feedbackInline",
    "qti-choice-interaction",
    "hotspotInteraction",
    "hotspotChoice",
    "selectPointInteraction",
    "areaMapping",
    "areaMapEntry",
    "mapResponsePoint",
    "customOperator",
    "customInteraction",
    "templateDeclaration",
    "templateProcessing",
    "setTemplateValue",
    "printedVariable",
    "lookupOutcomeValue",
    "matchTable",
    "matchTableEntry",
    "patternMatch",
    "equal",
    "exitResponse",
]
ATTRS = [
    "identifier",
    "responseIdentifier",
    "cardinality",
    "baseType",
    "mapKey",
    "mappedValue",
    "defaultValue",
    "lowerBound",
    "upperBound",
    "template",
    "caseSensitive",
    "shuffle",
    "shape",
    "coords",
    "pattern",
    "toleranceMode",
    "tolerance",
    "sourceValue",
    "targetValue",
]
VALUES = st.sampled_from(
    [
        "RESPONSE",
        "A",
        "B",
        "A B",
        "single",
        "multiple",
        "ordered",
        "identifier",
        "string",
        "float",
        "directedPair",
        "1",
        "-1",
        "0",
        "0.5",
        "x",
        "true",
        "false",
        "",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response_point",
        "circle",
        "0,0,5",
        "point",
        "[A-Z",
        "absolute",
        "{RESPONSE}",
    ]
)


def element(children):
    return st.builds(
        lambda tag, attrs, text, kids: (
            f"<{tag}{''.join(f' {k}={quoteattr(v)}' for k, v in attrs.items())}>"
            f"{escape(text)}{''.join(kids)}</{tag}>"
        ),
        st.sampled_from(TAGS),
        st.dictionaries(st.sampled_from(ATTRS), VALUES, max_size=4),
        st.sampled_from(["", "A", "B", "1", "text", "A B"]),
        st.lists(children, max_size=4),
    )


documents = st.recursive(st.just(""), element, max_leaves=30).map(
    lambda inner: (
        f'<assessmentItem identifier="i"><itemBody>{inner}</itemBody>{inner}</assessmentItem>'
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(documents, st.text(max_size=100), st.binary(max_size=100)))
def test_qti_vocabulary_soup_raises_only_qti_errors(xml):
    try:
        questions = parse_qti(xml)
    except QtiError:
        return
    assert all(q.id for q in questions)


member_names = st.sampled_from(
    ["imsmanifest.xml", "a.xml", "../x", "/abs", "d\\x", "C:/x", "items/i.xml", "a.xml"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.lists(
        st.tuples(member_names, st.integers(0, 0o177777), st.binary(max_size=60) | documents),
        max_size=5,
    )
)
def test_any_zip_raises_only_qti_errors(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, mode, content in members:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # duplicate names are part of the fuzzing
                archive.writestr(info, content)
    try:
        questions = parse_qti_package(buffer.getvalue())
    except QtiError:
        return
    assert all(q.id for q in questions)
