# ruff: noqa: E501  (XML fixtures read better unwrapped)
"""Compiling an item once: the program cache, the standard templates, the built-in variables,
implicit template outcomes and the refusals that only a hand-made scoring XML can reach."""

from __future__ import annotations

import pytest

from assessment_engine.grading.qti import program as program_module
from assessment_engine.grading.qti.errors import QtiInvalidItemError, QtiUnsupportedError
from assessment_engine.grading.qti.program import compile_program, program_for
from assessment_engine.grading.qti.templates import NAMES, template, template_name
from assessment_engine.grading.qti.values import Multiple
from assessment_engine.grading.qti.xml import parse

DECL = (
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
    "<correctResponse><value>A</value></correctResponse></responseDeclaration>"
)


def scoring(processing: str, extra: str = "") -> str:
    return f'<assessmentItem identifier="p">{DECL}{extra}{processing}</assessmentItem>'


def test_a_scoring_xml_compiles_once_per_process():
    program_module.clear()
    xml = scoring('<responseProcessing template="https://x/rptemplates/match_correct.xml"/>')
    first = program_for(xml, "p")
    assert program_for(xml, "p") is first
    assert program_for(xml, "other seed") is not first


@pytest.mark.parametrize("name", NAMES)
def test_every_standard_template_is_its_published_rule_body(name):
    rules = template(name)
    assert rules.tag == "responseProcessing"
    assert len(rules) >= 1
    assert template(name) is rules  # parsed once


@pytest.mark.parametrize(
    "uri",
    [
        "http://www.imsglobal.org/question/qti_v2p0/rptemplates/match_correct",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response.xml",
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response_point.xml",
        "https://www.imsglobal.org/question/qti_v3p0/rptemplates/CC2_match_basic.xml",
    ],
)
def test_template_uris_of_every_version_resolve(uri):
    assert template_name(uri) in NAMES


def test_match_correct_template_scores_and_sets_implicit_outcomes_for_cc2():
    plain = compile_program(
        parse(scoring('<responseProcessing template="x/rptemplates/match_correct"/>'))
    )
    assert plain.run({"RESPONSE": "A"})["SCORE"] == 1.0
    assert plain.run({"RESPONSE": "B"})["SCORE"] == 0.0
    assert plain.implicit == {"SCORE", "MAXSCORE", "FEEDBACK", "FEEDBACKBASIC"}
    maxscore = (
        '<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">'
        "<defaultValue><value>5</value></defaultValue></outcomeDeclaration>"
    )
    basic = compile_program(
        parse(scoring('<responseProcessing template="x/rptemplates/CC2_match_basic"/>', maxscore))
    )
    assert basic.declares("MAXSCORE")
    state = basic.run({"RESPONSE": "A"})
    assert (state["SCORE"], state["FEEDBACKBASIC"]) == (5.0, "correct")
    assert basic.run({"RESPONSE": "B"})["FEEDBACKBASIC"] == "incorrect"


def test_built_in_variables_exist_and_exit_response_stops_processing():
    rules = (
        "<responseProcessing>"
        '<setOutcomeValue identifier="SCORE"><variable identifier="numAttempts"/></setOutcomeValue>'
        "<exitResponse/>"
        '<setOutcomeValue identifier="SCORE"><baseValue baseType="float">9</baseValue></setOutcomeValue>'
        "</responseProcessing>"
    )
    score = '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
    state = compile_program(parse(scoring(rules, score))).run({})
    assert state["SCORE"] == 1.0  # numAttempts = 1, as an integer into a float outcome
    assert state["completionStatus"] == "not_attempted"


def test_lookup_outcome_value_uses_match_and_interpolation_tables():
    outcomes = (
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
        '<outcomeDeclaration identifier="GRADE" cardinality="single" baseType="identifier">'
        '<interpolationTable defaultValue="F">'
        '<interpolationTableEntry sourceValue="90" targetValue="A"/>'
        '<interpolationTableEntry sourceValue="50" includeBoundary="false" targetValue="C"/>'
        "</interpolationTable></outcomeDeclaration>"
        '<outcomeDeclaration identifier="WORD" cardinality="single" baseType="string">'
        '<matchTable defaultValue="many"><matchTableEntry sourceValue="1" targetValue="one"/>'
        "</matchTable></outcomeDeclaration>"
    )
    rules = (
        '<responseProcessing><lookupOutcomeValue identifier="GRADE"><variable identifier="SCORE"/>'
        '</lookupOutcomeValue><lookupOutcomeValue identifier="WORD"><variable identifier="numAttempts"/>'
        "</lookupOutcomeValue></responseProcessing>"
    )
    program = compile_program(parse(scoring(rules, outcomes)))
    grade_of = {s: program.run({"SCORE": s})["GRADE"] for s in (95.0, 90.0, 60.0, 50.0, 10.0)}
    assert grade_of == {95.0: "A", 90.0: "A", 60.0: "C", 50.0: "F", 10.0: "F"}
    assert program.run({})["WORD"] == "one"


def test_multiple_outcomes_collect_values():
    outcomes = '<outcomeDeclaration identifier="FB" cardinality="multiple" baseType="identifier"/>'
    rules = (
        '<responseProcessing><setOutcomeValue identifier="FB"><multiple><variable identifier="FB"/>'
        '<baseValue baseType="identifier">x</baseValue></multiple></setOutcomeValue>'
        "</responseProcessing>"
    )
    assert compile_program(parse(scoring(rules, outcomes))).run({})["FB"] == Multiple(["x"])


@pytest.mark.parametrize(
    ("xml", "error", "fragment"),
    [
        (scoring("<templateProcessing/>"), QtiUnsupportedError, "templateProcessing"),
        (
            scoring('<responseProcessing template="x/rptemplates/nope"/>'),
            QtiUnsupportedError,
            "template",
        ),
        (
            scoring(
                '<responseProcessing><setOutcomeValue identifier="RESPONSE"><null/>'
                "</setOutcomeValue></responseProcessing>"
            ),
            QtiInvalidItemError,
            "is a response",
        ),
        (scoring("", DECL), QtiInvalidItemError, "declared twice"),
    ],
)
def test_scoring_xml_the_interpreter_refuses(xml, error, fragment):
    with pytest.raises(error, match=fragment):
        compile_program(parse(xml))
