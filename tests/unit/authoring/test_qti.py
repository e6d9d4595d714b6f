"""QTI import: every interaction and template, bounds of map_response, loud refusals, safe XML."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment_engine.authoring.errors import QtiSyntaxError, QtiUnsupportedError
from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.models import (
    ClozeQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericalQuestion,
    OrderingQuestion,
    ShortAnswerQuestion,
)

from .qti_samples import (
    BILLION_LAUGHS,
    GAP_22,
    MATCH_30,
    NS22,
    NS30,
    T21,
    T22,
    T30,
    XXE,
    choice_body,
    declaration,
    item21,
    mapping,
    template,
    to_qti3,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def one(xml: str):
    (question,) = parse_qti(xml)
    return question


@pytest.mark.parametrize(
    "uri",
    [
        f"{T21}match_correct",
        f"{T21}match_correct.xml",
        f"{T22}match_correct.xml",
        f"{T30}match_correct.xml",
        "https://www.imsglobal.org/question/qti_v3p0/rptemplates/match_correct.xml",
    ],
)
def test_single_choice_match_correct_from_any_template_uri(uri):
    xml = item21(
        declaration("single", "identifier", ["B"]),
        choice_body(),
        f'<responseProcessing template="{uri}"/>',
    )
    q = one(xml)
    assert isinstance(q, MultipleChoiceQuestion)
    assert q.single
    assert (q.id, q.title) == ("i1", "Item i1")
    assert q.text_format == "html"
    assert q.text == "<p>Stem text.</p><p>Pick</p>"
    assert [(c.text, c.fraction) for c in q.choices] == [
        ("Option A", 0),
        ("Option B", 1),
        ("Option C", 0),
        ("Option D", 0),
    ]
    assert q.points == 1
    assert grade(q, ["Option B"]).score == 1
    assert grade(q, ["Option A"]).score == 0


def test_qti22_namespace_is_read_like_21():
    xml = item21(
        declaration("single", "identifier", ["A"]),
        choice_body(),
        template("match_correct", T22),
        ns=NS22,
    )
    assert one(xml).choices[0].fraction == 1


def test_multiple_response_match_correct_with_one_key_is_exact_all_or_nothing():
    xml = item21(
        declaration("multiple", "identifier", ["C"]),
        choice_body(max_choices=0),
        template("match_correct"),
    )
    q = one(xml)
    assert not q.single
    for subset in _subsets(["A", "B", "C", "D"]):
        expected = 1.0 if subset == ("C",) else 0.0
        assert grade(q, [f"Option {i}" for i in subset]).score == expected, subset


def test_multiple_response_match_correct_with_several_keys_is_refused():
    xml = item21(
        declaration("multiple", "identifier", ["A", "C"]),
        choice_body(max_choices=0),
        template("match_correct"),
    )
    with pytest.raises(QtiUnsupportedError, match="all-or-nothing"):
        parse_qti(xml)


def _subsets(ids):
    return [c for n in range(len(ids) + 1) for c in itertools.combinations(ids, n)]


def _qti_map_score(values: dict[str, float], default: float, lower, upper, chosen) -> float:
    if not chosen:
        return 0.0  # map_response: isNull(RESPONSE) -> 0
    total = sum(values.get(i, default) for i in set(chosen))
    if lower is not None:
        total = max(total, lower)
    if upper is not None:
        total = min(total, upper)
    return total


@pytest.mark.parametrize(
    ("values", "default", "lower", "upper", "points"),
    [
        ({"A": 1, "B": 1}, 0, None, None, 2.0),
        ({"A": 1, "B": 1, "C": -1}, 0, 0, None, 2.0),
        ({"A": 2, "B": 1, "C": -0.5}, -0.5, 0, 2.5, 2.5),
        ({"A": 0.5, "B": 0.5, "C": 0.5}, 0, None, 1, 1.0),
    ],
)
def test_map_response_on_multiple_response_scores_every_subset_as_qti(
    values, default, lower, upper, points
):
    xml = item21(
        declaration(
            "multiple", "identifier", [], mapping(values, default=default, lower=lower, upper=upper)
        ),
        choice_body(max_choices=0),
        template("map_response"),
    )
    q = one(xml)
    assert q.points == points
    for subset in _subsets(["A", "B", "C", "D"]):
        got = grade(q, [f"Option {i}" for i in subset]).score
        assert got == pytest.approx(_qti_map_score(values, default, lower, upper, subset)), subset


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.sampled_from([-2, -1, -0.5, 0, 0.5, 1, 2, 3]), min_size=4, max_size=4),
    default=st.sampled_from([0, -1, 0.5]),
    lower=st.sampled_from([None, 0, -1, 1]),
    upper=st.sampled_from([None, 1, 2, 10]),
    multiple=st.booleans(),
)
def test_map_response_is_translated_exactly_or_refused(values, default, lower, upper, multiple):
    table = dict(zip("ABCD", values, strict=True))
    xml = item21(
        declaration(
            "multiple" if multiple else "single",
            "identifier",
            [],
            mapping(table, default=default, lower=lower, upper=upper),
        ),
        choice_body(max_choices=0 if multiple else 1),
        template("map_response"),
    )
    try:
        q = one(xml)
    except QtiUnsupportedError:
        return
    subsets = _subsets(list("ABCD")) if multiple else [(), *[(i,) for i in "ABCD"]]
    for subset in subsets:
        got = grade(q, [f"Option {i}" for i in subset]).score
        assert got == pytest.approx(_qti_map_score(table, default, lower, upper, subset)), subset


@pytest.mark.parametrize(
    ("table", "lower", "fragment"),
    [
        ({"A": 1, "B": -1}, None, "negative SCORE"),
        ({"A": 1, "B": -1}, -1, "negative SCORE"),
        ({"A": 1}, 0.5, "positive lowerBound"),
        ({"A": 0, "B": -1}, 0, "no response can score"),
    ],
)
def test_map_response_bounds_our_model_cannot_express_are_refused(table, lower, fragment):
    xml = item21(
        declaration("multiple", "identifier", [], mapping(table, lower=lower)),
        choice_body(max_choices=0),
        template("map_response"),
    )
    with pytest.raises(QtiUnsupportedError, match=fragment):
        parse_qti(xml)


def test_single_choice_map_response_with_upper_bound():
    xml = item21(
        declaration("single", "identifier", [], mapping({"A": 3, "B": 1}, upper=2)),
        choice_body(),
        template("map_response"),
    )
    q = one(xml)
    assert q.points == 2
    assert grade(q, ["Option A"]).score == 2
    assert grade(q, ["Option B"]).score == 1
    assert grade(q, ["Option C"]).score == 0


def test_text_entry_string_match_correct_is_case_sensitive_short_answer():
    xml = item21(
        declaration("single", "string", ["Paris*"]),
        '<p>Capital of France: <textEntryInteraction responseIdentifier="RESPONSE"'
        ' expectedLength="10"/>.</p>',
        template("match_correct"),
    )
    q = one(xml)
    assert isinstance(q, ShortAnswerQuestion)
    assert q.case_sensitive
    assert q.text == "<p>Capital of France: _____.</p>"
    assert grade(q, "Paris*").score == 1
    assert grade(q, "Paris and more").score == 0  # '*' is literal in QTI
    assert grade(q, "paris*").score == 0


def test_text_entry_map_response_with_case_insensitive_entries_and_default():
    xml = item21(
        declaration(
            "single",
            "string",
            ["York"],
            mapping({"York": 1, "Yorkshire": 0.5}, default=0.25, case=False),
        ),
        '<p>City? <textEntryInteraction responseIdentifier="RESPONSE"/></p>',
        template("map_response"),
    )
    q = one(xml)
    assert not q.case_sensitive
    assert [(a.pattern, a.fraction) for a in q.answers] == [
        ("York", 1.0),
        ("Yorkshire", 0.5),
        ("*", 0.25),
    ]
    assert grade(q, "york").score == 1
    assert grade(q, "Leeds").score == 0.25


def test_text_entry_citolab_qti3_mapping_example():
    xml = f"""<qti-assessment-item xmlns="{NS30}" identifier="te3">
    <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
      <qti-correct-response><qti-value>York</qti-value></qti-correct-response>
      <qti-mapping default-value="0">
        <qti-map-entry map-key="York" mapped-value="1" case-sensitive="true"/>
        <qti-map-entry map-key="york" mapped-value="0.5" case-sensitive="true"/>
      </qti-mapping>
    </qti-response-declaration>
    <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
    <qti-item-body><p>Identify the missing word: Richard III (<qti-text-entry-interaction
      response-identifier="RESPONSE" expected-length="15"/> 1452 - Bosworth 1485).</p>
    </qti-item-body>
    <qti-response-processing template="{T30}map_response.xml"/>
    </qti-assessment-item>"""
    q = one(xml)
    assert q.case_sensitive
    assert (grade(q, "York").score, grade(q, "york").score, grade(q, "YORK").score) == (1, 0.5, 0)


def test_text_entry_mixed_case_sensitivity_is_refused():
    table = (
        '<mapping defaultValue="0"><mapEntry mapKey="a" mappedValue="1" caseSensitive="true"/>'
        '<mapEntry mapKey="b" mappedValue="1" caseSensitive="false"/></mapping>'
    )
    xml = item21(
        declaration("single", "string", [], table),
        '<textEntryInteraction responseIdentifier="RESPONSE"/>',
        template("map_response"),
    )
    with pytest.raises(QtiUnsupportedError, match="case sensitivity"):
        parse_qti(xml)


def test_numeric_text_entry_becomes_numerical():
    xml = item21(
        declaration("single", "float", ["9.81"]),
        '<p>g = <textEntryInteraction responseIdentifier="RESPONSE"/> m/s²</p>',
        template("match_correct"),
    )
    q = one(xml)
    assert isinstance(q, NumericalQuestion)
    assert q.answers[0].value == 9.81
    assert grade(q, "9.81").score == 1
    assert grade(q, "9.8").score == 0


def test_inline_choice_alone_is_single_multichoice_with_blank():
    xml = item21(
        declaration("single", "identifier", ["L"]),
        '<p>Water at 25 °C is <inlineChoiceInteraction responseIdentifier="RESPONSE"'
        ' shuffle="false">'
        '<inlineChoice identifier="S">solid</inlineChoice><inlineChoice'
        ' identifier="L">liquid</inlineChoice>'
        "</inlineChoiceInteraction>.</p>",
        template("match_correct"),
    )
    q = one(xml)
    assert q.text == "<p>Water at 25 °C is _____.</p>"
    assert [(c.text, c.fraction) for c in q.choices] == [("solid", 0), ("liquid", 1)]


def test_order_interaction_is_all_or_nothing_ordering():
    body = (
        '<orderInteraction responseIdentifier="RESPONSE" shuffle="true"><prompt>Oldest'
        " first.</prompt>"
        '<simpleChoice identifier="N">Newton</simpleChoice><simpleChoice'
        ' identifier="G">Galileo</simpleChoice>'
        '<simpleChoice identifier="E">Einstein</simpleChoice></orderInteraction>'
    )
    q = one(
        item21(
            declaration("ordered", "identifier", ["G", "N", "E"]), body, template("match_correct")
        )
    )
    assert isinstance(q, OrderingQuestion)
    assert q.items == ("Galileo", "Newton", "Einstein")
    assert q.grading == "all_or_nothing"
    assert grade(q, ["Galileo", "Newton", "Einstein"]).score == 1
    assert grade(q, ["Newton", "Galileo", "Einstein"]).score == 0
    with pytest.raises(QtiUnsupportedError):
        parse_qti(
            item21(
                declaration("ordered", "identifier", [], mapping({"G": 1})),
                body,
                template("map_response"),
            )
        )


def test_qti3_match_interaction_with_map_response_is_right_over_total_matching():
    q = one(MATCH_30)
    assert isinstance(q, MatchingQuestion)
    assert [(p.left, p.right) for p in q.pairs] == [
        ("France", "Paris"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
    ]
    assert q.distractors == ("Berlin",)
    assert q.points == 3
    assert q.text == "<p>Match each country with its capital.</p>"
    assert grade(q, {"France": "Paris", "Italy": "Rome", "Japan": "Berlin"}).score == 2


def test_match_correct_on_pairs_is_refused():
    xml = MATCH_30.replace("map_response.xml", "match_correct.xml")
    with pytest.raises(QtiUnsupportedError, match="all-or-nothing"):
        parse_qti(xml)


def test_associate_interaction_with_directed_pairs():
    body = (
        '<associateInteraction responseIdentifier="RESPONSE" maxAssociations="2">'
        '<simpleAssociableChoice identifier="H" matchMax="1">H2O</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="W" matchMax="1">water</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="S" matchMax="1">NaCl</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="T" matchMax="1">table salt</simpleAssociableChoice>'
        "</associateInteraction>"
    )
    xml = item21(
        declaration("multiple", "pair", [], mapping({"H W": 1, "S T": 1})),
        body,
        template("map_response"),
    )
    q = one(xml)
    assert [(p.left, p.right) for p in q.pairs] == [("H2O", "water"), ("NaCl", "table salt")]


def test_gap_match_becomes_cloze_with_one_dropdown_per_gap():
    q = one(GAP_22)
    assert isinstance(q, ClozeQuestion)
    assert (
        q.text == "<p>Fill the gaps.</p>\n      \n      \n      \n      "
        "<p>ATP is made in the {#1} and proteins on the {#2}.</p>"
    )
    assert [b.weight for b in q.blanks] == [1, 1]
    first = q.blanks[0].question
    assert isinstance(first, MultipleChoiceQuestion)
    assert [c.text for c in first.choices] == [
        "mitochondria",
        "ribosomes",
        "nucleus",
    ]
    assert grade(q, {"1": ["mitochondria"], "2": ["nucleus"]}).score == 1
    assert grade(q, {"1": ["mitochondria"], "2": ["ribosomes"]}).score == 2


def test_several_interactions_with_per_response_rules_become_a_weighted_cloze():
    (q,) = parse_qti((EXAMPLES / "sample_item_qti30.xml").read_bytes())
    assert isinstance(q, ClozeQuestion)
    assert "{#1}" in q.text
    assert "{#2}" in q.text
    assert [b.weight for b in q.blanks] == [2, 1]
    assert q.points == 3
    assert grade(q, {"1": "H2O", "2": ["liquid"]}).score == 3
    assert grade(q, {"1": "H20", "2": ["gas"]}).score == 1
    assert grade(q, {"1": "h2o", "2": ["liquid"]}).score == 1


def test_sample_qti21_item_has_no_feedback_in_its_texts():
    (q,) = parse_qti((EXAMPLES / "sample_item_qti21.xml").read_text())
    assert isinstance(q, MultipleChoiceQuestion)
    assert all("group 16" not in c.text for c in q.choices)
    assert "group 16" not in q.text
    assert q.points == 2
    assert grade(q, ["Helium (He)", "Argon (Ar)", "Sodium (Na)"]).score == 1


def test_several_items_in_one_document_each_become_a_question():
    first = item21(
        declaration("single", "identifier", ["A"]),
        choice_body(),
        template("match_correct"),
        ident="a",
    )
    second = item21(
        declaration("single", "identifier", ["B"]),
        choice_body(),
        template("match_correct"),
        ident="b",
    )
    questions = parse_qti(f"<items>{first}{second}</items>")
    assert [q.id for q in questions] == ["a", "b"]
    with pytest.raises(QtiSyntaxError, match="share an identifier"):
        parse_qti(f"<items>{first}{first}</items>")


def test_extended_text_without_processing_is_an_essay():
    xml = item21(
        declaration("single", "string"),
        '<extendedTextInteraction responseIdentifier="RESPONSE"><prompt>Explain'
        " entropy.</prompt></extendedTextInteraction>",
        "",
    )
    q = one(xml)
    assert isinstance(q, EssayQuestion)
    assert q.text == "<p>Explain entropy.</p>"


@pytest.mark.parametrize(
    ("processing", "fragment"),
    [
        (template("map_response_point"), "map_response_point"),
        (
            '<responseProcessing template="http://example.com/rptemplates/my_rules.xml"/>',
            "unknown response processing template",
        ),
        (
            "<responseProcessing"
            ' template="http://www.imsglobal.org/question/qti_v2p1/match_correct"/>',
            "unknown",
        ),
        ("", "never score"),
        (
            "<responseProcessing><responseCondition><responseIf><gt><variable"
            ' identifier="RESPONSE"/>'
            '<baseValue baseType="float">1</baseValue></gt><setOutcomeValue identifier="SCORE">'
            '<baseValue baseType="float">1</baseValue></setOutcomeValue></responseIf></responseCo'
            "ndition></responseProcessing>",
            "responseCondition",
        ),
        (
            '<responseProcessing><setOutcomeValue identifier="SCORE"><baseValue'
            ' baseType="float">1</baseValue>'
            "</setOutcomeValue></responseProcessing>",
            "setOutcomeValue",
        ),
    ],
)
def test_unsupported_processing_is_a_loud_error(processing, fragment):
    xml = item21(declaration("single", "identifier", ["A"]), choice_body(), processing)
    with pytest.raises(QtiUnsupportedError, match=fragment):
        parse_qti(xml)


def test_unsupported_interaction_is_refused():
    xml = item21(
        declaration("single", "identifier", ["A"]),
        '<hotspotInteraction responseIdentifier="RESPONSE" maxChoices="1"/>',
        template("match_correct"),
    )
    with pytest.raises(QtiUnsupportedError, match="hotspotInteraction"):
        parse_qti(xml)


@pytest.mark.parametrize(
    "xml",
    [
        "<assessmentItem><itemBody>",
        "not xml at all",
        "<root><child/></root>",
        b"\xff\xfe<bad",
        BILLION_LAUGHS,
        XXE,
    ],
    ids=["truncated", "text", "not-qti", "bad-bytes", "billion-laughs", "xxe"],
)
def test_malformed_or_hostile_xml_is_a_typed_syntax_error(xml):
    with pytest.raises(QtiSyntaxError):
        parse_qti(xml)


INLINE_MATCH_CORRECT = (
    '<responseProcessing><responseCondition><responseIf><match><variable identifier="RESPONSE"/>'
    '<correct identifier="RESPONSE"/></match><setOutcomeValue identifier="SCORE">'
    '<baseValue baseType="float">1</baseValue></setOutcomeValue></responseIf><responseElse>'
    '<setOutcomeValue identifier="SCORE"><baseValue baseType="float">0</baseValue>'
    "</setOutcomeValue></responseElse></responseCondition></responseProcessing>"
)
INLINE_MAP_RESPONSE = (
    '<responseProcessing><responseCondition><responseIf><isNull><variable identifier="RESPONSE"/>'
    '</isNull><setOutcomeValue identifier="SCORE"><baseValue baseType="float">0.0</baseValue>'
    '</setOutcomeValue></responseIf><responseElse><setOutcomeValue identifier="SCORE">'
    '<mapResponse identifier="RESPONSE"/></setOutcomeValue></responseElse></responseCondition>'
    "</responseProcessing>"
)


def test_templates_written_out_in_full_are_recognised():
    q = one(item21(declaration("single", "identifier", ["C"]), choice_body(), INLINE_MATCH_CORRECT))
    assert [c.fraction for c in q.choices] == [0, 0, 1, 0]
    xml = item21(
        declaration("multiple", "identifier", [], mapping({"A": 1, "B": 1, "C": -1}, lower=0)),
        choice_body(max_choices=0),
        INLINE_MAP_RESPONSE,
    )
    assert [c.fraction for c in one(xml).choices] == [0.5, 0.5, -0.5, 0]


def test_assignments_among_several_rules_are_refused():
    rules = INLINE_MATCH_CORRECT.replace("</responseProcessing>", "") + INLINE_MAP_RESPONSE.replace(
        "<responseProcessing>", ""
    )
    xml = item21(declaration("single", "identifier", ["C"]), choice_body(), rules)
    with pytest.raises(QtiUnsupportedError):
        parse_qti(xml)


def test_option_html_keeps_markup_and_void_elements():
    body = (
        '<choiceInteraction responseIdentifier="RESPONSE"><simpleChoice identifier="A">'
        'H<sub>2</sub>O<br/><img src="w.png" alt="water"/></simpleChoice>'
        '<simpleChoice identifier="B">CO<sub>2</sub></simpleChoice></choiceInteraction>'
    )
    q = one(item21(declaration("single", "identifier", ["A"]), body, template("match_correct")))
    assert q.choices[0].text == 'H<sub>2</sub>O<br/><img src="w.png" alt="water"/>'


def test_two_interactions_bound_to_one_response_are_refused():
    body = (
        '<p><textEntryInteraction responseIdentifier="RESPONSE"/> and '
        '<textEntryInteraction responseIdentifier="RESPONSE"/></p>'
    )
    with pytest.raises(QtiUnsupportedError, match="share one response"):
        parse_qti(item21(declaration("single", "string", ["a"]), body, template("match_correct")))


QTI2_ITEMS = {
    "choice-match-correct": item21(
        declaration("single", "identifier", ["B"]), choice_body(), template("match_correct")
    ),
    "choice-map-response": item21(
        declaration("multiple", "identifier", [], mapping({"A": 1, "B": 1, "C": -1}, lower=0)),
        choice_body(max_choices=0),
        template("map_response", T30),
    ),
    "text-entry": item21(
        declaration("single", "string", [], mapping({"York": 1, "york": 0.5}, case=True)),
        '<p>City <textEntryInteraction responseIdentifier="RESPONSE" expectedLength="9"/></p>',
        template("map_response"),
    ),
    "inline-choice": item21(
        declaration("single", "identifier", ["L"]),
        '<p>Water is <inlineChoiceInteraction responseIdentifier="RESPONSE">'
        '<inlineChoice identifier="S">solid</inlineChoice>'
        '<inlineChoice identifier="L">liquid</inlineChoice></inlineChoiceInteraction>.</p>',
        template("match_correct"),
    ),
    "order": item21(
        declaration("ordered", "identifier", ["G", "N"]),
        '<orderInteraction responseIdentifier="RESPONSE"><simpleChoice identifier="N">Newton'
        '</simpleChoice><simpleChoice identifier="G">Galileo</simpleChoice></orderInteraction>',
        template("match_correct"),
    ),
    "associate": item21(
        declaration("multiple", "pair", [], mapping({"H W": 1, "S T": 1})),
        '<associateInteraction responseIdentifier="RESPONSE">'
        '<simpleAssociableChoice identifier="H">H2O</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="W">water</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="S">NaCl</simpleAssociableChoice>'
        '<simpleAssociableChoice identifier="T">salt</simpleAssociableChoice>'
        "</associateInteraction>",
        template("map_response"),
    ),
    "gap-match": GAP_22,
    "inlined-template": item21(
        declaration("single", "identifier", ["C"]), choice_body(), INLINE_MATCH_CORRECT
    ),
}


@pytest.mark.parametrize("name", sorted(QTI2_ITEMS))
def test_qti3_syntax_of_every_sample_imports_to_the_same_question(name):
    qti2 = QTI2_ITEMS[name]
    qti3 = to_qti3(qti2)
    assert "qti-assessment-item" in qti3
    assert parse_qti(qti3) == parse_qti(qti2)
