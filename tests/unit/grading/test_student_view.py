"""The student view must never contain key material, for any question type."""

from __future__ import annotations

import json

import pytest

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading.models import (
    ClozeBlank,
    ClozeQuestion,
    CodeQuestion,
    CodeTestCase,
    DescriptionQuestion,
    EssayQuestion,
    FormulaQuestion,
    MatchingQuestion,
    MatchPair,
    OrderingQuestion,
    TrueFalseQuestion,
    VariableRange,
)
from assessment_engine.grading.student_view import student_view
from tests.unit.grading.factories import mc, num, sa

GENERAL = "KEYGENERAL"


def _cases():
    yield (
        mc(("opt-a", 0.75), ("opt-b", -0.3333), id="mc", general_feedback=GENERAL),
        ["fb-opt-a", "fb-opt-b", "0.75", "-0.3333", "fraction", "feedback"],
    )
    yield (
        TrueFalseQuestion(
            id="tf",
            text="t",
            answer=True,
            feedback_if_right="KEYRIGHT",
            feedback_if_wrong="KEYWRONG",
            general_feedback=GENERAL,
        ),
        ["KEYRIGHT", "KEYWRONG", ": true", '"answer"'],
    )
    yield (sa(("KEYPATTERN*", 1.0), id="sa", general_feedback=GENERAL), ["KEYPATTERN", "pattern"])
    yield (
        num(
            {"value": 271828.5, "tolerance": 0.125, "fraction": 1, "feedback": "KEYNUMFB"}, id="num"
        ),
        ["271828", "0.125", "KEYNUMFB", "tolerance"],
    )
    yield (
        MatchingQuestion(
            id="m",
            text="t",
            pairs=(MatchPair(left="L1", right="R1"), MatchPair(left="L2", right="R2")),
            distractors=("R3",),
        ),
        ["pairs", "left", 'right"'],
    )
    yield (OrderingQuestion(id="o", text="t", items=("first", "second", "third")), ["grading"])
    yield (
        ClozeQuestion(
            id="c",
            text="{#1} {#2} {#3}",
            blanks=(
                ClozeBlank(question=sa(("KEYBLANK", 1.0), id="c1")),
                ClozeBlank(question=num({"value": 161803.25, "fraction": 1}, id="c2")),
                ClozeBlank(question=mc(("x", 1.0), ("y", 0.0), id="c3")),
            ),
        ),
        ["KEYBLANK", "161803", "fraction", "fb-x", "fb-y"],
    )
    yield (
        FormulaQuestion(
            id="f",
            text="t",
            expected="KEYVAR*42.4242",
            variables={"KEYVAR": VariableRange(low=1, high=2)},
            seed=99,
        ),
        ["42.4242", "expected", "KEYVAR*", "seed"],
    )
    yield (
        EssayQuestion(id="e", text="t", grader_info="KEYGRADERINFO"),
        ["KEYGRADERINFO", "grader_info"],
    )
    yield (DescriptionQuestion(id="d", text="t", general_feedback=GENERAL), [])
    yield (
        CodeQuestion(
            id="code",
            text="t",
            tests=(
                CodeTestCase(name="visible", stdin="1 2", expected_stdout="3"),
                CodeTestCase(
                    name="KEYHIDDENNAME",
                    stdin="KEYHIDDENSTDIN",
                    expected_stdout="KEYHIDDENOUT",
                    hidden=True,
                ),
                CodeTestCase(
                    name="KEYHIDDENCALL",
                    call="f(KEYSECRETARG)",
                    expected_value="KEYSECRETVALUE",
                    hidden=True,
                ),
            ),
        ),
        ["KEYHIDDEN", "KEYSECRET", "hidden", "weight"],
    )
    yield (_qti_question(), ["KEYQTICORRECT", "KEYQTIMAP", "4.75", "KEYQTIRUBRIC", "KEYQTIFB"])


def _qti_question():
    (question,) = parse_qti(
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="qti">'
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        "<correctResponse><value>KEYQTICORRECT</value></correctResponse>"
        '<mapping upperBound="2"><mapEntry mapKey="KEYQTIMAP" mappedValue="4.75"/></mapping>'
        "</responseDeclaration>"
        '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
        '<itemBody><rubricBlock view="scorer">KEYQTIRUBRIC</rubricBlock><p>Word?'
        ' <textEntryInteraction responseIdentifier="RESPONSE"/></p>'
        '<feedbackBlock outcomeIdentifier="SCORE" identifier="a" showHide="show">KEYQTIFB'
        "</feedbackBlock></itemBody>"
        '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/'
        'map_response"/></assessmentItem>'
    )
    return question


@pytest.mark.parametrize(
    ("question", "secrets"), list(_cases()), ids=lambda v: getattr(v, "type", "")
)
def test_no_key_material_in_student_view(question, secrets):
    dumped = json.dumps(student_view(question, seed=1234))
    for secret in [*secrets, GENERAL]:
        assert secret not in dumped, secret


def test_views_are_json_ready_and_carry_what_students_need():
    code = next(q for q, _ in _cases() if q.type == "code")
    view = student_view(code, 1)
    assert view["visible_tests"] == [
        {
            "name": "visible",
            "stdin": "1 2",
            "expected_stdout": "3",
            "call": None,
            "expected_value": None,
        }
    ]
    assert view["limits"]["cpu_seconds"] == 2.0
    cloze = next(q for q, _ in _cases() if q.type == "cloze")
    blanks = student_view(cloze, 1)["blanks"]
    assert [b["kind"] for b in blanks] == ["shortanswer", "numerical", "multichoice"]
    assert sorted(blanks[2]["options"]) == ["x", "y"]


def test_shuffles_are_reproducible_and_seed_dependent():
    q = mc(*[(f"o{i}", 1.0 if i == 0 else 0.0) for i in range(8)], id="mc")
    orders = {tuple(student_view(q, seed)["options"]) for seed in range(20)}
    assert len(orders) > 1
    assert student_view(q, 5) == student_view(q, 5)
    assert sorted(student_view(q, 5)["options"]) == sorted(c.text for c in q.choices)


def test_unshuffled_choice_keeps_authoring_order():
    q = mc(("b", 1.0), ("a", 0.0), id="mc", shuffle=False)
    assert student_view(q, 3)["options"] == ["b", "a"]


def test_ordering_is_never_shown_in_the_correct_order():
    q = OrderingQuestion(id="o", text="t", items=("a", "b"))
    for seed in range(50):
        assert student_view(q, seed)["items"] == ["b", "a"]


def test_unshuffled_matching_does_not_reveal_pairs_by_position():
    q = MatchingQuestion(
        id="m",
        text="t",
        shuffle=False,
        pairs=(MatchPair(left="one", right="zebra"), MatchPair(left="two", right="apple")),
        distractors=("mango",),
    )
    view = student_view(q, 0)
    assert view["stems"] == ["one", "two"]
    assert view["choices"] == ["apple", "mango", "zebra"]


def test_shuffles_are_pinned_across_processes_and_versions():
    # Golden values: a shuffle that changed between processes (hash randomisation) or releases
    # would show students different orders for the same attempt.
    q = mc(*[(f"o{i}", 1.0 if i == 0 else 0.0) for i in range(6)], id="mc")
    assert student_view(q, 42)["options"] == ["o0", "o4", "o5", "o2", "o1", "o3"]
    ordering = OrderingQuestion(id="ord", text="", items=tuple("abcde"))
    assert student_view(ordering, 42)["items"] == ["d", "e", "b", "c", "a"]


def test_qti_choices_shuffle_by_the_seed_with_fixed_choices_in_place():
    fixed = ' fixed="true"'
    choices = "".join(
        f'<simpleChoice identifier="C{i}"{fixed if i == 0 else ""}>c{i}</simpleChoice>'
        for i in range(8)
    )
    (question,) = parse_qti(
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="shuf">'
        '<responseDeclaration identifier="R" cardinality="single" baseType="identifier"/>'
        '<itemBody><choiceInteraction responseIdentifier="R" shuffle="true">'
        f"{choices}</choiceInteraction></itemBody></assessmentItem>"
    )
    orders = {
        tuple(c["identifier"] for c in student_view(question, seed)["interactions"][0]["choices"])
        for seed in range(20)
    }
    assert len(orders) > 1
    assert all(order[0] == "C0" for order in orders)  # fixed keeps its place
    assert student_view(question, 3) == student_view(question, 3)
