# ruff: noqa: E501  (XML fixtures read better unwrapped)
"""JSON responses to QTI items: every value shape, NULLs, and the checks against the item."""

from __future__ import annotations

import pytest

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.qti.declarations import Declaration
from assessment_engine.grading.qti.responses import ShapeError, value_of
from assessment_engine.grading.qti.values import (
    DirectedPair,
    Multiple,
    Ordered,
    Pair,
    Point,
    Record,
)


@pytest.mark.parametrize(
    ("cardinality", "base", "raw", "expected"),
    [
        ("single", "identifier", "A", "A"),
        ("single", "string", "", None),
        ("single", "integer", "12", 12),
        ("single", "integer", 3.0, 3),
        ("single", "float", "2.5e1", 25.0),
        ("single", "boolean", True, True),
        ("single", "point", [3, 4], Point(3, 4)),
        ("single", "pair", ["B", "A"], Pair("A", "B")),
        ("single", "directedPair", ["B", "A"], DirectedPair("B", "A")),
        ("single", "duration", 90, 90.0),
        ("multiple", "identifier", ["A", "B"], Multiple(["B", "A"])),
        ("multiple", "identifier", [], None),
        ("ordered", "identifier", ["B", "A"], Ordered(["B", "A"])),
        ("multiple", "point", [[1, 2]], Multiple([Point(1, 2)])),
        ("record", None, {"a": 1, "b": "x"}, Record(a=1, b="x")),
        ("single", "file", {"ref": "u/1"}, "u/1"),
    ],
)
def test_value_shapes(cardinality, base, raw, expected):
    assert value_of(Declaration("R", cardinality, base), raw) == expected


@pytest.mark.parametrize(
    ("cardinality", "base", "raw"),
    [
        ("single", "identifier", 3),
        ("single", "integer", "3.5"),
        ("single", "integer", True),
        ("single", "float", "abc"),
        ("single", "boolean", "true"),
        ("single", "point", [1.5, 2]),
        ("single", "pair", ["A"]),
        ("multiple", "identifier", "A"),
        ("multiple", "point", [1, 2]),  # a single point where a list of points is due
        ("record", None, [1]),
    ],
)
def test_wrong_shapes_are_rejected(cardinality, base, raw):
    with pytest.raises(ShapeError):
        value_of(Declaration("R", cardinality, base), raw)


ITEM = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="r">
  <responseDeclaration identifier="C" cardinality="multiple" baseType="identifier"/>
  <responseDeclaration identifier="M" cardinality="multiple" baseType="directedPair"/>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <choiceInteraction responseIdentifier="C" maxChoices="2"><simpleChoice identifier="A">a</simpleChoice>
      <simpleChoice identifier="B">b</simpleChoice><simpleChoice identifier="D">d</simpleChoice></choiceInteraction>
    <matchInteraction responseIdentifier="M"><simpleMatchSet><simpleAssociableChoice identifier="S">s</simpleAssociableChoice></simpleMatchSet>
      <simpleMatchSet><simpleAssociableChoice identifier="T">t</simpleAssociableChoice></simpleMatchSet></matchInteraction>
  </itemBody>
</assessmentItem>"""


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        ("A", "expected an object"),
        ({"X": "A"}, "not a response of this item"),
        ({"numAttempts": 3}, "not a response of this item"),
        ({"C": ["A", "Z"]}, "not one of the choices"),
        ({"C": ["A", "B", "D"]}, "at most 2"),
        ({"M": [["T", "S"]]}, "not one of the choices"),
    ],
)
def test_responses_are_checked_against_the_item(response, fragment):
    (question,) = parse_qti(ITEM)
    with pytest.raises(InvalidResponseError, match=fragment):
        grade(question, response)


def test_messages_name_no_key_material():
    (question,) = parse_qti(ITEM)
    with pytest.raises(InvalidResponseError) as info:
        grade(question, {"C": ["SECRETX"]})
    assert "SECRETX" not in str(info.value)
