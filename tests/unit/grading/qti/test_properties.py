# ruff: noqa: E501  (XML fixtures read better unwrapped)
"""Property tests of the interpreter: typed errors only, deterministic runs, no key material.

Hypothesis builds response-processing trees from the whole expression vocabulary (operands of
every base type and cardinality, right or wrong), items of random shape with marked key
material, and responses of any JSON shape.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_engine.authoring.errors import QtiError
from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.qti.errors import QtiItemError
from assessment_engine.grading.student_view import student_view

OPERATORS = [
    "match", "and", "or", "not", "isNull", "member", "contains", "containerSize", "delete",
    "multiple", "ordered", "sum", "product", "subtract", "divide", "min", "max", "round",
    "truncate", "integerDivide", "integerModulus", "integerToFloat", "gt", "gte", "lt", "lte",
    "power", "gcd", "lcm", "substring", "stringMatch", "random",
]  # fmt: skip
ATTRIBUTED = [
    ('equal toleranceMode="absolute" tolerance="0.5 1"', "equal"),
    ('equal toleranceMode="relative" tolerance="10" includeLowerBound="false"', "equal"),
    ('equalRounded roundingMode="decimalPlaces" figures="1"', "equalRounded"),
    ('roundTo roundingMode="significantFigures" figures="2"', "roundTo"),
    ('anyN min="1" max="2"', "anyN"),
    ('index n="1"', "index"),
    ('patternMatch pattern="[A-Z]+\\d?"', "patternMatch"),
    ('inside shape="rect" coords="0,0,10,10"', "inside"),
    ('mathOperator name="sin"', "mathOperator"),
    ('statsOperator name="mean"', "statsOperator"),
    ('stringMatch caseSensitive="false" substring="true"', "stringMatch"),
]
LEAVES = [
    '<baseValue baseType="integer">3</baseValue>',
    '<baseValue baseType="float">-1.5</baseValue>',
    '<baseValue baseType="boolean">true</baseValue>',
    '<baseValue baseType="identifier">A</baseValue>',
    '<baseValue baseType="string">Abc</baseValue>',
    '<baseValue baseType="point">3 4</baseValue>',
    '<baseValue baseType="directedPair">A B</baseValue>',
    "<null/>",
    '<variable identifier="RESPONSE"/>',
    '<variable identifier="NUMBER"/>',
    '<variable identifier="SCORE"/>',
    '<correct identifier="RESPONSE"/>',
    '<mapResponse identifier="RESPONSE"/>',
    '<mathConstant name="pi"/>',
    '<randomInteger min="1" max="9"/>',
]


def _node(children: list[str]) -> st.SearchStrategy[str]:
    plain = st.sampled_from(OPERATORS).map(lambda op: (op, op))
    attributed = st.sampled_from(ATTRIBUTED)
    return st.one_of(plain, attributed).map(
        lambda pair: f"<{pair[0]}>{''.join(children)}</{pair[1]}>"
    )


expressions = st.recursive(
    st.sampled_from(LEAVES),
    lambda inner: st.lists(inner, min_size=1, max_size=3).flatmap(_node),
    max_leaves=12,
)


def _item(condition: str, value: str) -> str:
    return (
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="p">'
        '<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
        "<correctResponse><value>A</value><value>B</value></correctResponse>"
        '<mapping defaultValue="-1"><mapEntry mapKey="A" mappedValue="1"/></mapping>'
        "</responseDeclaration>"
        '<responseDeclaration identifier="NUMBER" cardinality="single" baseType="float"/>'
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
        '<itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">'
        '<simpleChoice identifier="A">a</simpleChoice><simpleChoice identifier="B">b</simpleChoice>'
        '<simpleChoice identifier="C">c</simpleChoice></choiceInteraction>'
        '<textEntryInteraction responseIdentifier="NUMBER"/></itemBody>'
        "<responseProcessing><responseCondition><responseIf>"
        f'{condition}<setOutcomeValue identifier="SCORE">{value}</setOutcomeValue>'
        "</responseIf></responseCondition></responseProcessing></assessmentItem>"
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, width=32)
    | st.sampled_from(["A", "B", "C", "", "x", "1.5"]),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)
responses = st.none() | st.dictionaries(
    st.sampled_from(["RESPONSE", "NUMBER", "OTHER"]), json_values, max_size=2
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=expressions, value=expressions, response=responses)
def test_any_processing_raises_only_typed_errors_and_runs_deterministically(
    condition, value, response
):
    try:
        (question,) = parse_qti(_item(condition, value))
    except QtiError:
        return  # refused at import, with a typed error
    try:
        first = grade(question, response)
    except (InvalidResponseError, QtiItemError):
        return
    assert grade(question, response) == first


SECRET = "KEYSECRET"
ITEM_KINDS = ["choice", "text", "match", "gap", "hotspot"]


def _keyed_item(kind: str, text: str, cardinality: str) -> str:
    decl = (
        f'<responseDeclaration identifier="R" cardinality="{cardinality}" baseType="{{base}}">'
        f"<correctResponse><value>{{correct}}</value></correctResponse>"
        f'<mapping defaultValue="0"><mapEntry mapKey="{{correct}}" mappedValue="7.25"/></mapping>'
        "</responseDeclaration>"
    )
    bodies = {
        "choice": ("identifier", "A", f'<choiceInteraction responseIdentifier="R"><simpleChoice identifier="A">{text}</simpleChoice><simpleChoice identifier="B">b</simpleChoice></choiceInteraction>'),
        "text": ("string", SECRET, f'<p>{text} <textEntryInteraction responseIdentifier="R"/></p>'),
        "match": ("directedPair", "A X", f'<matchInteraction responseIdentifier="R"><simpleMatchSet><simpleAssociableChoice identifier="A">{text}</simpleAssociableChoice></simpleMatchSet><simpleMatchSet><simpleAssociableChoice identifier="X">x</simpleAssociableChoice></simpleMatchSet></matchInteraction>'),
        "gap": ("directedPair", "T G", f'<gapMatchInteraction responseIdentifier="R"><gapText identifier="T">{text}</gapText><p>a <gap identifier="G"/></p></gapMatchInteraction>'),
        "hotspot": ("identifier", "H", f'<hotspotInteraction responseIdentifier="R"><object data="m.png" type="image/png"/><hotspotChoice identifier="H" shape="circle" coords="1,2,3" hotspotLabel="{text}"/></hotspotInteraction>'),
    }  # fmt: skip
    base, correct, body = bodies[kind]
    return (
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="k">'
        + decl.format(base=base, correct=correct)
        + '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
        + f'<itemBody><rubricBlock view="scorer">{SECRET}</rubricBlock>{body}'
        + f'<feedbackBlock outcomeIdentifier="SCORE" identifier="x" showHide="show">{SECRET}</feedbackBlock>'
        + "</itemBody>"
        + '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>'
        + f'<modalFeedback outcomeIdentifier="SCORE" identifier="x" showHide="show">{SECRET}</modalFeedback>'
        + "</assessmentItem>"
    )


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(ITEM_KINDS),
    text=st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=20),
    cardinality=st.sampled_from(["single", "multiple"]),
    seed=st.integers(0, 2**31),
)
def test_student_view_never_holds_key_material(kind, text, cardinality, seed):
    if kind in ("match", "gap") and cardinality == "single":
        cardinality = "multiple"
    try:
        (question,) = parse_qti(_keyed_item(kind, escape(text), cardinality))
    except QtiError:
        return
    dumped = json.dumps(student_view(question, seed))
    assert SECRET not in dumped
    assert "7.25" not in dumped
    for word in ("correctResponse", "mapping", "scoring_xml", "responseProcessing"):
        assert word not in dumped


def test_the_random_source_is_seeded_by_the_item():
    condition = '<gt><randomInteger min="0" max="1000000"/><baseValue baseType="integer">-1</baseValue></gt>'
    value = '<randomInteger min="0" max="1000000"/>'
    (question,) = parse_qti(_item(condition, value))
    scores = {grade(question, {"NUMBER": 1}).score for _ in range(5)}
    assert len(scores) == 1
