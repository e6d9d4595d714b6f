# ruff: noqa: E501  (published texts and XML read better unwrapped)
"""Conformance on published QTI items: each imports and scores as the specification says.

The items are copies of public files (``tests/fixtures/qti/README.md`` names the repository,
path and licence of each). Expected scores are worked out by hand from the QTI 2.1/3.0
specification for each response (the reasoning is the comment beside each case), not by
running this engine. ``max`` is the item's maximum score: MAXSCORE when declared (or as
response processing sets it), otherwise the best score of the keyed responses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.models import QtiQuestion
from assessment_engine.grading.student_view import student_view

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "qti"
SDK, ONYX, QTI3, CITO = "qti-sdk", "qti-sdk/onyx", "1edtech-qti3", "citolab"

# (file, max score, [(response, expected SCORE), ...])
CASES: list[tuple[str, float, list[tuple[object, float]]]] = [
    # match_correct, single identifier: 1 when RESPONSE = ChoiceA; NULL -> match NULL -> else 0
    (
        f"{SDK}/choice.xml",
        1,
        [({"RESPONSE": "ChoiceA"}, 1), ({"RESPONSE": "ChoiceB"}, 0), (None, 0)],
    ),
    # map_response: H=1 O=1 Cl=-1, unmapped -2, bounds [0, 2]; each distinct choice counts once
    (
        f"{SDK}/choice_multiple.xml",
        2,
        [
            ({"RESPONSE": ["H", "O"]}, 2),
            ({"RESPONSE": ["H"]}, 1),
            ({"RESPONSE": ["H", "O", "Cl"]}, 1),  # 1 + 1 - 1
            ({"RESPONSE": ["H", "He"]}, 0),  # 1 - 2 = -1, raised to lowerBound 0
            ({"RESPONSE": ["O", "H", "C"]}, 0),  # 1 + 1 - 2
            ({"RESPONSE": []}, 0),  # empty container is NULL: isNull -> 0
        ],
    ),
    # pairs are unordered: "P A" maps like "A P"; no bounds, unmapped 0; best 3 pairs = 4
    (
        f"{SDK}/associate.xml",
        4,
        [
            ({"RESPONSE": [["A", "P"], ["C", "M"], ["D", "L"]]}, 4),
            ({"RESPONSE": [["P", "A"]]}, 2),
            ({"RESPONSE": [["A", "C"], ["D", "L"]]}, 1),
        ],
    ),
    # directed pairs: C R=1, D M=.5, L M=.5, P T=1
    (
        f"{SDK}/match.xml",
        3,
        [
            ({"RESPONSE": [["C", "R"], ["D", "M"], ["L", "M"], ["P", "T"]]}, 3),
            ({"RESPONSE": [["D", "M"], ["L", "M"]]}, 1),
            ({"RESPONSE": [["C", "M"]]}, 0),
        ],
    ),
    # gap text -> gap: W G1=1, Su G2=2, others -1, lowerBound 0
    (
        f"{SDK}/gap_match.xml",
        3,
        [
            ({"RESPONSE": [["W", "G1"], ["Su", "G2"]]}, 3),
            ({"RESPONSE": [["W", "G1"]]}, 1),
            ({"RESPONSE": [["Su", "G1"]]}, 0),  # -1 raised to 0
            ({"RESPONSE": [["W", "G1"], ["Sp", "G2"]]}, 0),  # 1 - 1
            ({"RESPONSE": [["Su", "G2"], ["A", "G1"]]}, 1),  # 2 - 1
        ],
    ),
    (f"{SDK}/inline_choice.xml", 1, [({"RESPONSE": "Y"}, 1), ({"RESPONSE": "G"}, 0)]),
    # string mapping, case-sensitive by default: York=1, york=0.5
    (
        f"{SDK}/text_entry.xml",
        1,
        [
            ({"RESPONSE": "York"}, 1),
            ({"RESPONSE": "york"}, 0.5),
            ({"RESPONSE": "YORK"}, 0),
            ({"RESPONSE": ""}, 0),  # the empty string is NULL
        ],
    ),
    # ordered match: only the exact sequence C, A, B
    (
        f"{SDK}/order.xml",
        1,
        [
            ({"RESPONSE": ["DriverC", "DriverA", "DriverB"]}, 1),
            ({"RESPONSE": ["DriverA", "DriverC", "DriverB"]}, 0),
            ({"RESPONSE": ["DriverC", "DriverA"]}, 0),
        ],
    ),
    (f"{SDK}/hottext.xml", 1, [({"RESPONSE": "B"}, 1), ({"RESPONSE": "A"}, 0)]),
    (f"{SDK}/hotspot.xml", 1, [({"RESPONSE": "A"}, 1), ({"RESPONSE": "D"}, 0)]),
    # map_response_point: circle centre (102, 113) radius 16, boundary inside
    (
        f"{SDK}/select_point.xml",
        1,
        [
            ({"RESPONSE": [102, 113]}, 1),
            ({"RESPONSE": [110, 120]}, 1),  # 8^2 + 7^2 = 113 <= 256
            ({"RESPONSE": [118, 113]}, 1),  # on the circle
            ({"RESPONSE": [119, 113]}, 0),  # 17 > 16: defaultValue 0
            (None, 0),
        ],
    ),
    # three circles of radius 12, worth 1 each; an area counts once however many points hit it
    (
        f"{SDK}/position_object.xml",
        3,
        [
            ({"RESPONSE": [[118, 184], [150, 235], [96, 114]]}, 3),
            ({"RESPONSE": [[118, 184], [120, 186]]}, 1),
            ({"RESPONSE": [[0, 0]]}, 0),
        ],
    ),
    (
        f"{SDK}/graphic_order.xml",
        1,
        [({"RESPONSE": ["A", "D", "C", "B"]}, 1), ({"RESPONSE": ["A", "D", "B", "C"]}, 0)],
    ),
    # pairs B C=1, C D=1, the others -1, lowerBound 0
    (
        f"{SDK}/graphic_associate.xml",
        2,
        [
            ({"RESPONSE": [["C", "B"], ["C", "D"]]}, 2),
            ({"RESPONSE": [["B", "C"], ["A", "B"]]}, 0),
            ({"RESPONSE": [["A", "D"]]}, 0),  # -1 raised to 0
            ({"RESPONSE": [["C", "D"], ["B", "D"], ["B", "C"]]}, 1),
        ],
    ),
    (
        f"{SDK}/graphic_gap_match.xml",
        3,
        [
            ({"RESPONSE": [["GLA", "A"], ["EDI", "B"], ["MAN", "C"]]}, 3),
            ({"RESPONSE": [["GLA", "A"], ["EDI", "B"]]}, 2),
            ({"RESPONSE": [["GLA", "A"], ["CBG", "B"]]}, 0),  # 1 - 1
        ],
    ),
    # integer mapping 12..20; an integer may arrive as a string
    (
        f"{SDK}/slider.xml",
        1,
        [
            ({"RESPONSE": 16}, 1),
            ({"RESPONSE": 12}, 0.5),
            ({"RESPONSE": 20}, 0.5),
            ({"RESPONSE": 50}, 0),
            ({"RESPONSE": "15"}, 1),
        ],
    ),
    # QTI 2.0 custom rules: 2 for the right order, 1 for C, B, A, else 0 (integer SCORE)
    (
        f"{SDK}/order_partial_scoring.xml",
        2,
        [
            ({"RESPONSE": ["DriverC", "DriverA", "DriverB"]}, 2),
            ({"RESPONSE": ["DriverC", "DriverB", "DriverA"]}, 1),
            ({"RESPONSE": ["DriverA", "DriverB", "DriverC"]}, 0),
        ],
    ),
    # the published rules match the multiple response against one *single* baseValue whose
    # text holds several ids: match needs equal cardinalities, so no response ever scores
    (
        f"{SDK}/choice_multiple_chocolade.xml",
        0,
        [({"MR01": ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10"]}, 0)],
    ),
    # four scored parts summed; RESPONSE3: exact 1, "bad king"/"evil king" 0.5, contains
    # "king" (case-insensitive substring) 0.2, else 0; NULLs make every match NULL -> 0
    (
        f"{SDK}/multi-input.xml",
        4,
        [
            (
                {
                    "RESPONSE1": "ChoiceA",
                    "RESPONSE2": "A2",
                    "RESPONSE3": "wicked king",
                    "RESPONSE4": [["F", "G1"], ["C", "G2"], ["H", "G3"]],
                },
                4,
            ),
            (
                {
                    "RESPONSE1": "ChoiceA",
                    "RESPONSE2": "A2",
                    "RESPONSE3": "evil king",
                    "RESPONSE4": [["F", "G1"], ["C", "G2"], ["H", "G3"]],
                },
                3.5,
            ),
            ({"RESPONSE3": "the King"}, 0.2),
            ({"RESPONSE3": "queen", "RESPONSE2": "A2"}, 1),
            (None, 0),
        ],
    ),
    # SCORE := sum(score-X); score-X := maxscore-X (1) on the correct pair; MAXSCORE := 1
    (
        f"{SDK}/set_outcome_values_with_sum.xml",
        1,
        [({"response-X": ["ChoiceB", "ChoiceC"]}, 1), ({"response-X": ["ChoiceA"]}, 0)],
    ),
    # only the isNull branch exists: score-X stays 0 whatever the answer; MAXSCORE := 1
    (f"{SDK}/responseruleforQtiPL1.xml", 1, [({"response-X": ["ChoiceB", "ChoiceC"]}, 0)]),
    # Onyx exports: SCORE := SCORE + MAXSCORE (1) when the whole response matches
    (
        f"{ONYX}/Choicemultiple_2014410822.xml",
        1,
        [
            ({"RESPONSE_13390220": ["choice_853818748", "choice_693643701"]}, 1),
            ({"RESPONSE_13390220": ["choice_693643701"]}, 0),
            (None, 0),
        ],
    ),
    (
        f"{ONYX}/Hotspot_278940407.xml",
        1,
        [({"RESPONSE": "Choice6"}, 1), ({"RESPONSE": "Choice0"}, 0)],
    ),
    (
        f"{ONYX}/Matchmultiple_1038910213.xml",
        1,
        [
            (
                {
                    "RESPONSE": [
                        ["Match15952430", "Match12582080"],
                        ["Match21853614", "Match7003951"],
                        ["Match6887188", "Match7003951"],
                        ["Match16519624", "Match17531354"],
                        ["Match23738841", "Match6457581"],
                    ]
                },
                1,
            ),
            ({"RESPONSE": [["Match15952430", "Match12582080"]]}, 0),
        ],
    ),
    (
        f"{ONYX}/Order_913967682.xml",
        1,
        [
            ({"RESPONSE": ["Choice0", "Choice1", "Choice2", "Choice3", "Choice4"]}, 1),
            ({"RESPONSE": ["Choice1", "Choice0", "Choice2", "Choice3", "Choice4"]}, 0),
        ],
    ),
    # equal(exact) per float response: 4 and 2 neighbouring states; MAXSCORE 2
    (
        f"{ONYX}/TextEntrynumeric_2040297025.xml",
        2,
        [
            ({"RESPONSE_1": "4", "RESPONSE_2": "2"}, 2),
            ({"RESPONSE_1": "4.0", "RESPONSE_2": "3"}, 1),
            (None, 0),
        ],
    ),
    # three answers, case-insensitive, each city once: RESPONSE_2 counts only if it differs
    # from RESPONSE_3, RESPONSE_1 only if it differs from both. With RESPONSE_3 NULL, the
    # stringMatch against it is NULL, so not(...) is NULL, so and(...) is NULL: nothing counts
    (
        f"{ONYX}/TextEntrysubset_806481421.xml",
        3,
        [
            ({"RESPONSE_1": "Dresden", "RESPONSE_2": "Chemnitz", "RESPONSE_3": "Leipzig"}, 3),
            ({"RESPONSE_1": "dresden", "RESPONSE_2": "DRESDEN", "RESPONSE_3": "Leipzig"}, 2),
            ({"RESPONSE_1": "Zwickau", "RESPONSE_2": "Dresden", "RESPONSE_3": "Leipzig"}, 2),
            ({"RESPONSE_1": "Zwickau", "RESPONSE_2": "Dresden"}, 0),
        ],
    ),
    # the QTI 3 versions of the IMS examples score like their QTI 2.1 originals
    (
        f"{QTI3}/choice_multiple.xml",
        2,
        [
            ({"RESPONSE": ["H", "O"]}, 2),
            ({"RESPONSE": ["H", "O", "Cl"]}, 1),
            ({"RESPONSE": ["N"]}, 0),
        ],
    ),
    (f"{QTI3}/text_entry.xml", 1, [({"RESPONSE": "York"}, 1), ({"RESPONSE": "york"}, 0.5)]),
    (
        f"{QTI3}/gap_match.xml",
        3,
        [({"RESPONSE": [["W", "G1"], ["Su", "G2"]]}, 3), ({"RESPONSE": [["Su", "G1"]]}, 0)],
    ),
    (f"{QTI3}/hottext.xml", 1, [({"RESPONSE": "B"}, 1), ({"RESPONSE": "E"}, 0)]),
    (
        f"{QTI3}/graphic_associate.xml",
        2,
        [({"RESPONSE": [["C", "B"], ["C", "D"]]}, 2), ({"RESPONSE": [["A", "D"]]}, 0)],
    ),
    (
        f"{QTI3}/graphic_gap_match_text.xml",
        3,
        [
            ({"RESPONSE": [["GLA", "A"], ["EDI", "B"], ["MAN", "C"]]}, 3),
            ({"RESPONSE": [["MCH", "C"]]}, 0),
        ],
    ),
    (f"{QTI3}/select_point.xml", 1, [({"RESPONSE": [100, 100]}, 1), ({"RESPONSE": [50, 50]}, 0)]),
    (
        f"{QTI3}/order_partial_scoring.xml",
        2,
        [
            ({"RESPONSE": ["DriverC", "DriverA", "DriverB"]}, 2),
            ({"RESPONSE": ["DriverC", "DriverB", "DriverA"]}, 1),
            ({"RESPONSE": ["DriverB", "DriverA", "DriverC"]}, 0),
        ],
    ),
    # CC2_map_response: case-insensitive "Skinner Box" maps to 100; MAXSCORE 100
    (
        f"{QTI3}/QUE_102011.xml",
        100,
        [({"RESPONSE": "skinner box"}, 100), ({"RESPONSE": "box"}, 0), (None, 0)],
    ),
    # CC2_match: SCORE := MAXSCORE (100) on a match, otherwise SCORE keeps its default (0)
    (
        f"{QTI3}/QUE_104049.xml",
        100,
        [({"RESPONSE": "QUE_104049_A4"}, 100), ({"RESPONSE": "QUE_104049_A1"}, 0)],
    ),
    # Citolab: equal(RESPONSE, 7/2) and equal(8/2, RESPONSE2), one point each
    (
        f"{CITO}/divide-compare.xml",
        2,
        [
            ({"RESPONSE": "3.5", "RESPONSE2": "4"}, 2),
            ({"RESPONSE": 3.5, "RESPONSE2": 4.5}, 1),  # 4.5 is not 4
            ({"RESPONSE": "3", "RESPONSE2": "4.0"}, 1),
        ],
    ),
    (
        f"{CITO}/response-processing-guide.xml",
        1,
        [({"RESPONSE": "ChoiceB"}, 1), ({"RESPONSE": "ChoiceA"}, 0)],
    ),
]
MANUAL = [
    (f"{SDK}/extended_text.xml", 1.0, {"RESPONSE": "Dear Sam, my town is small."}),
    (f"{CITO}/32cdqd.xml", 1.0, {"RESPONSE": "reflexen", "VIDEORESPONSE": 1}),
]


def load(name: str) -> QtiQuestion:
    (question,) = parse_qti((FIXTURES / name).read_bytes())
    assert isinstance(question, QtiQuestion)
    return question


@pytest.mark.parametrize(("name", "maximum", "cases"), CASES, ids=[c[0] for c in CASES])
def test_published_item_scores_as_the_specification_says(name, maximum, cases):
    question = load(name)
    for response, expected in cases:
        result = grade(question, response)
        assert result.score == pytest.approx(expected), (response, result.score)
        assert result.max_score == pytest.approx(maximum), response
        assert result.status == "graded"


@pytest.mark.parametrize(("name", "maximum", "response"), MANUAL, ids=[m[0] for m in MANUAL])
def test_extended_text_without_scoring_waits_for_a_person(name, maximum, response):
    question = load(name)
    assert question.manual
    result = grade(question, response)
    assert result.status == "needs_manual_grading"
    assert (result.score, result.max_score) == (0.0, maximum)
    assert grade(question, None).status == "graded"  # nothing to mark


def test_a_cloned_item_is_instantiated_once_and_scored_on_what_it_shows():
    # mc_calc3 draws i in 1..7, shows numbers[i] and keys the choice listing its divisors
    # other than 1 and itself ("-" when there are none); the key must follow the shown number
    question = load(f"{SDK}/mc_calc3.xml")
    assert question == load(f"{SDK}/mc_calc3.xml")  # the same instance on every import
    shown = {int(n) for n in re.findall(r"<mn>(\d+)</mn>", question.text)}
    assert len(shown) == 1
    number = shown.pop()
    divisors = ",".join(str(d) for d in range(2, number) if number % d == 0) or "-"
    (interaction,) = question.interactions
    for choice in interaction.choices:
        expected = 2.0 if choice.text == divisors else 0.0
        assert grade(question, {"RESPONSE0": choice.identifier}).score == expected, choice.text
    assert "templateProcessing" not in question.scoring_xml
    assert "CALC0" not in question.text


@pytest.mark.parametrize(
    ("name", "response", "expected"),
    [
        # Onyx: boolean outcomes keyed "true"; the right answer shows the "Richtig!" feedback
        (
            f"{ONYX}/Choicemultiple_2014410822.xml",
            {"RESPONSE_13390220": ["choice_693643701", "choice_853818748"]},
            (
                "Der Freistatt Sachsen verfügt über zwei Internationale Flughäfen: Leipzig/Halle und Dresden.",
            ),
        ),
        # CC2_map_response sets FEEDBACK correct/incorrect; "general" is shown unless FEEDBACK is
        # "general" (show-hide="hide"); document order
        (
            f"{QTI3}/QUE_102011.xml",
            {"RESPONSE": "skinner box"},
            ("general feedback", "correct feedback"),
        ),
        (f"{QTI3}/QUE_102011.xml", {"RESPONSE": "box"}, ("general feedback", "incorrect feedback")),
        # CC2_match sets FEEDBACK := RESPONSE and no FEEDBACKBASIC: only "general" shows
        (
            f"{QTI3}/QUE_104049.xml",
            {"RESPONSE": "QUE_104049_A4"},
            ("This is some general feedback",),
        ),
    ],
)
def test_modal_feedback_follows_the_outcomes(name, response, expected):
    assert grade(load(name), response).feedback == expected


def test_every_fixture_is_covered_by_a_case():
    files = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.xml")}
    covered = {c[0] for c in CASES} | {m[0] for m in MANUAL} | {f"{SDK}/mc_calc3.xml"}
    assert files == covered
    assert len(files) >= 40


def test_every_scorable_interaction_is_among_the_published_items():
    kinds = {
        i.kind
        for p in FIXTURES.rglob("*.xml")
        for i in load(str(p.relative_to(FIXTURES))).interactions
    }
    assert kinds >= {
        "choice",
        "inlineChoice",
        "textEntry",
        "extendedText",
        "order",
        "match",
        "associate",
        "gapMatch",
        "hottext",
        "hotspot",
        "selectPoint",
        "positionObject",
        "graphicOrder",
        "graphicAssociate",
        "graphicGapMatch",
        "slider",
        "media",
    }


KEY_WORDS = (
    "correctResponse",
    "mapping",
    "mapEntry",
    "areaMapping",
    "responseProcessing",
    "scoring_xml",
    "rptemplates",
    "mappedValue",
    "lookupTable",
)


@pytest.mark.parametrize(
    "path", sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.xml"))
)
def test_student_view_of_a_published_item_holds_no_key_material(path):
    dumped = json.dumps(student_view(load(path), seed=7))
    for word in KEY_WORDS:
        assert word not in dumped
    assert "reflex" not in dumped  # the Cito item's scorer rubric
    assert "Feedback for" not in dumped  # feedbackInline inside choices
    assert "Richtig" not in dumped  # modal feedback
    assert "Leider" not in dumped
