"""Property test: any XML built from QTI vocabulary imports or raises a QtiError, nothing else."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment_engine.authoring.errors import QtiError
from assessment_engine.authoring.qti import parse_qti

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
