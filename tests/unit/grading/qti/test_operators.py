"""Every expression of the QTI expression language, evaluated alone with spec-derived values.

Covers ``compiler`` (leaves), ``operators_logic`` and ``operators_math``: NULL handling,
three-valued logic, container semantics, numeric typing, rounding, tolerances, strings,
patterns and shapes. Each case names the specification's rule it checks.
"""

from __future__ import annotations

import math

import pytest

from assessment_engine.grading.qti import operators_logic, operators_math  # noqa: F401
from assessment_engine.grading.qti.compiler import Context, compile_expression
from assessment_engine.grading.qti.declarations import Declaration, MapEntry, Mapping
from assessment_engine.grading.qti.errors import (
    QtiInvalidItemError,
    QtiRuntimeError,
    QtiUnsupportedError,
)
from assessment_engine.grading.qti.values import (
    DirectedPair,
    Multiple,
    Ordered,
    Pair,
    Point,
    Record,
)
from assessment_engine.grading.qti.xml import parse

DECLS = {
    "R": Declaration(
        "R",
        "multiple",
        "identifier",
        correct=Multiple(["A", "B"]),
        mapping=Mapping(
            entries=(MapEntry("A", 1.0, True), MapEntry("B", 0.5, True), MapEntry("C", -2.0, True)),
            default=-0.25,
            lower=-1.0,
        ),
    ),
    "S": Declaration(
        "S",
        "single",
        "string",
        mapping=Mapping(entries=(MapEntry("York", 1.0, True), MapEntry("york", 0.5, False))),
    ),
    "X": Declaration("X", "single", "float", default=2.5),
    "O": Declaration("O", "ordered", "identifier"),
    "REC": Declaration("REC", "record", None),
}


def run(xml: str, **state: object) -> object:
    ctx = Context(DECLS, frozenset({"R", "S", "O", "REC"}), seed="t")
    return compile_expression(parse(xml), ctx)(dict(state))


def bv(base: str, text: str) -> str:
    return f'<baseValue baseType="{base}">{text}</baseValue>'


I = lambda n: bv("integer", str(n))  # noqa: E731, E741
F = lambda x: bv("float", str(x))  # noqa: E731
ID = lambda s: bv("identifier", s)  # noqa: E731
STR = lambda s: bv("string", s)  # noqa: E731
NULL = "<null/>"


def test_base_values_of_every_type():
    assert run(I(-3)) == -3
    assert run(F("1e2")) == 100.0
    assert run(bv("boolean", "true")) is True
    assert run(bv("point", "3 4")) == Point(3, 4)
    assert run(bv("pair", "B A")) == Pair("A", "B")
    assert run(bv("directedPair", "B A")) == DirectedPair("B", "A")
    assert run(bv("duration", "PT1M30S")) == 90.0


def test_variable_correct_default_and_null():
    assert run('<variable identifier="X"/>', X=4.0) == 4.0
    assert run('<correct identifier="R"/>') == Multiple(["B", "A"])
    assert run('<default identifier="X"/>') == 2.5
    assert run(NULL) is None
    with pytest.raises(QtiInvalidItemError, match="not declared"):
        run('<variable identifier="NOPE"/>')


def test_map_response_counts_each_distinct_value_once_and_applies_bounds():
    m = '<mapResponse identifier="R"/>'
    assert run(m, R=Multiple(["A", "B"])) == 1.5
    assert run(m, R=Multiple(["A", "A", "B"])) == 1.5  # duplicates count once
    assert run(m, R=Multiple(["A", "D"])) == 0.75  # unmapped: defaultValue
    assert run(m, R=Multiple(["C"])) == -1.0  # -2 raised to lowerBound -1
    assert run(m) == -0.25  # NULL container maps like one NULL value (qti-sdk)


def test_map_response_case_sensitivity_is_per_entry():
    m = '<mapResponse identifier="S"/>'
    assert run(m, S="York") == 1.0  # the first matching entry maps it
    assert run(m, S="YORK") == 0.5  # only the case-insensitive entry matches
    assert run(m, S="Leeds") == 0.0


def test_is_null_treats_empty_string_and_container_as_null():
    assert run(f"<isNull>{STR('')}</isNull>") is True
    assert run("<isNull><multiple/></isNull>") is True
    assert run(f"<isNull>{I(0)}</isNull>") is False


def test_match_compares_containers_by_their_kind():
    multiple = f"<multiple>{ID('A')}{ID('B')}</multiple>"
    reversed_multiple = f"<multiple>{ID('B')}{ID('A')}</multiple>"
    assert run(f"<match>{multiple}{reversed_multiple}</match>") is True  # bags
    ordered = f"<ordered>{ID('A')}{ID('B')}</ordered>"
    assert run(f"<match>{ordered}<ordered>{ID('B')}{ID('A')}</ordered></match>") is False
    assert run(f"<match>{multiple}{ID('A')}</match>") is False
    assert run(f"<match>{NULL}{ID('A')}</match>") is None


@pytest.mark.parametrize(
    ("operands", "and_", "or_"),
    [
        (["true", "true"], True, True),
        (["true", "false"], False, True),
        (["true", None], None, True),
        (["false", None], False, None),
        ([None, None], None, None),
    ],
)
def test_three_valued_and_or(operands, and_, or_):
    xml = "".join(NULL if v is None else bv("boolean", v) for v in operands)
    assert run(f"<and>{xml}</and>") is and_
    assert run(f"<or>{xml}</or>") is or_
    assert run(f"<not>{NULL}</not>") is None


def test_any_n_decides_only_when_the_nulls_cannot_change_the_answer():
    t, f = bv("boolean", "true"), bv("boolean", "false")
    assert run(f'<anyN min="1" max="2">{t}{f}{f}</anyN>') is True
    assert run(f'<anyN min="1" max="2">{t}{t}{t}</anyN>') is False  # more than max true
    assert run(f'<anyN min="2" max="3">{f}{f}{t}</anyN>') is False  # too many false
    assert run(f'<anyN min="1" max="1">{t}{NULL}</anyN>') is None  # NULL could be a 2nd true


def test_container_operators():
    bag = f"<multiple>{ID('A')}{ID('B')}{ID('A')}</multiple>"
    seq = f"<ordered>{ID('A')}{ID('B')}{ID('C')}{ID('D')}</ordered>"
    assert run(f"<member>{ID('B')}{bag}</member>") is True
    assert run(f"<containerSize>{bag}</containerSize>") == 3
    assert run(f"<containerSize>{NULL}</containerSize>") == 0
    assert run(f"<delete>{ID('A')}{bag}</delete>") == Multiple(["B"])
    assert run(f"<delete>{ID('A')}<multiple>{ID('A')}</multiple></delete>") is None  # empty
    assert run(f"<contains>{bag}<multiple>{ID('A')}{ID('A')}</multiple></contains>") is True
    assert run(f"<contains>{bag}<multiple>{ID('B')}{ID('B')}</multiple></contains>") is False
    assert run(f"<contains>{seq}<ordered>{ID('B')}{ID('C')}</ordered></contains>") is True
    assert run(f"<contains>{seq}<ordered>{ID('C')}{ID('B')}</ordered></contains>") is False
    assert run(f"<contains>{seq}<ordered>{ID('A')}{ID('C')}</ordered></contains>") is False
    assert run(f'<index n="2">{seq}</index>') == "B"
    assert run(f'<index n="9">{seq}</index>') is None
    assert run('<index n="K">' + seq + "</index>", K=4) == "D"  # n as a variable reference
    assert run(f"<ordered>{ID('A')}{NULL}<ordered>{ID('B')}</ordered></ordered>") == Ordered(
        ["A", "B"]
    )
    assert run(f'<repeat numberRepeats="2">{ID("A")}{ID("B")}</repeat>') == Ordered(
        ["A", "B", "A", "B"]
    )


def test_numeric_results_are_integers_only_when_every_operand_is():
    assert run(f"<sum>{I(1)}{I(2)}</sum>") == 3
    assert isinstance(run(f"<sum>{I(1)}{I(2)}</sum>"), int)
    assert isinstance(run(f"<sum>{I(1)}{F(2)}</sum>"), float)
    assert run(f"<sum><multiple>{I(1)}{I(2)}</multiple>{I(3)}</sum>") == 6
    assert run(f"<product>{I(2)}{F(1.5)}</product>") == 3.0
    assert run(f"<subtract>{I(2)}{F(0.5)}</subtract>") == 1.5
    assert run(f"<min>{I(2)}{F(-0.5)}</min>") == -0.5
    assert run(f"<max>{I(2)}{I(7)}</max>") == 7
    assert run(f"<sum>{I(1)}{NULL}</sum>") is None


def test_division_and_integer_division():
    assert run(f"<divide>{I(7)}{I(2)}</divide>") == 3.5
    assert run(f"<divide>{I(7)}{I(0)}</divide>") is None  # division by zero is NULL
    assert run(f"<integerDivide>{I(-7)}{I(2)}</integerDivide>") == -4  # rounded down
    assert run(f"<integerModulus>{I(-7)}{I(2)}</integerModulus>") == 1  # x - y*floor(x/y)
    assert run(f"<integerDivide>{I(7)}{I(0)}</integerDivide>") is None
    with pytest.raises(QtiRuntimeError):
        run(f"<integerDivide>{F(7)}{I(2)}</integerDivide>")
    assert run(f"<power>{I(2)}{I(10)}</power>") == 1024.0
    assert run(f"<power>{F(1e300)}{I(10)}</power>") is None  # not finite


def test_rounding():
    assert run(f"<round>{F(2.5)}</round>") == 3  # n.5 rounds up
    assert run(f"<round>{F(-2.5)}</round>") == -2  # ... towards positive infinity
    assert run(f"<truncate>{F(-2.7)}</truncate>") == -2
    assert run(f"<integerToFloat>{I(2)}</integerToFloat>") == 2.0
    sig = 'roundingMode="significantFigures" figures="3"'
    places = 'roundingMode="decimalPlaces" figures="2"'
    assert run(f"<roundTo {sig}>{F(3.14159)}</roundTo>") == 3.14
    assert run(f"<roundTo {sig}>{F(1234.5)}</roundTo>") == 1230.0
    assert run(f"<roundTo {places}>{F(2.675)}</roundTo>") == 2.68  # decimal half-up
    assert run(f"<equalRounded {places}>{F(1.004)}{F(0.996)}</equalRounded>") is True


@pytest.mark.parametrize(
    ("attrs", "x", "y", "expected"),
    [
        ('toleranceMode="exact"', 1.0, 1.0, True),
        ('toleranceMode="absolute" tolerance="0.1"', 1.1, 1.0, True),
        ('toleranceMode="absolute" tolerance="0.1" includeUpperBound="false"', 1.1, 1.0, False),
        ('toleranceMode="absolute" tolerance="0 0.5"', 0.9, 1.0, False),  # lower tolerance 0
        ('toleranceMode="relative" tolerance="10"', 9.0, 10.0, True),
        ('toleranceMode="relative" tolerance="10" includeLowerBound="false"', 9.0, 10.0, False),
    ],
)
def test_equal_with_tolerances(attrs, x, y, expected):
    assert run(f"<equal {attrs}>{F(x)}{F(y)}</equal>") is expected


def test_comparisons():
    assert run(f"<gt>{I(2)}{F(1.5)}</gt>") is True
    assert run(f"<lte>{I(2)}{I(2)}</lte>") is True
    assert run(f"<lt>{NULL}{I(2)}</lt>") is None
    assert run(f"<durationLT>{bv('duration', 'PT1S')}{bv('duration', 'PT2S')}</durationLT>") is True
    with pytest.raises(QtiRuntimeError, match="expected a number"):
        run(f"<gt>{ID('A')}{I(1)}</gt>")


def test_strings():
    assert run(f'<stringMatch caseSensitive="false">{STR("York")}{STR("YORK")}</stringMatch>')
    assert not run(f"<stringMatch>{STR('York')}{STR('YORK')}</stringMatch>")
    assert run(
        f'<stringMatch caseSensitive="true" substring="true">{STR("New York")}{STR("York")}'
        "</stringMatch>"
    )
    # substring: is the FIRST a substring of the SECOND
    assert run(f'<substring caseSensitive="false">{STR("KING")}{STR("wicked king")}</substring>')
    assert not run(f"<substring>{STR('wicked king')}{STR('king')}</substring>")
    assert run(f"<stringMatch>{STR('')}{STR('a')}</stringMatch>") is None


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("[A-Z]{2}\\d{3}", "AB123", True),
        ("[A-Z]{2}\\d{3}", "AB1234", False),  # implicitly anchored
        ("a$b", "a$b", True),  # $ is a literal in XML Schema
        ("\\p{Lu}\\p{Ll}+", "Paris", True),
        ("\\p{L}+", "Zürich", True),
        ("\\i\\c*", "_x-1", True),
        ("\\i\\c*", "1x", False),
    ],
)
def test_pattern_match_is_xml_schema_regex(pattern, text, expected):
    assert run(f'<patternMatch pattern="{pattern}">{STR(text)}</patternMatch>') is expected


def test_unsupported_pattern_features_are_loud():
    with pytest.raises(QtiUnsupportedError, match="subtraction"):
        run(f'<patternMatch pattern="[a-z-[aeiou]]">{STR("b")}</patternMatch>')


@pytest.mark.parametrize(
    ("shape", "coords", "point", "expected"),
    [
        ("rect", "0,0,10,10", "10 10", True),
        ("rect", "0,0,10,10", "11 5", False),
        ("circle", "5,5,5", "5 10", True),
        ("circle", "5,5,5", "9 9", False),
        ("ellipse", "10,10,10,2", "19 10", True),
        ("ellipse", "10,10,10,2", "10 13", False),
        ("poly", "0,0,10,0,0,10", "2 2", True),
        ("poly", "0,0,10,0,0,10", "8 8", False),
        ("default", "", "999 999", True),
    ],
)
def test_inside_every_shape(shape, coords, point, expected):
    xml = f'<inside shape="{shape}" coords="{coords}">{bv("point", point)}</inside>'
    assert run(xml) is expected


def test_math_and_stats_operators():
    assert run('<mathOperator name="sin"><mathConstant name="pi"/></mathOperator>') == (
        pytest.approx(0.0, abs=1e-12)
    )
    assert run(f'<mathOperator name="abs">{I(-3)}</mathOperator>') == 3
    assert run(f'<mathOperator name="ln">{I(0)}</mathOperator>') is None  # domain error
    assert run(f"<gcd>{I(12)}{I(18)}</gcd>") == 6
    assert run(f"<lcm>{I(4)}{I(6)}</lcm>") == 12
    bag = f"<multiple>{F(1)}{F(2)}{F(3)}{F(4)}</multiple>"
    assert run(f'<statsOperator name="mean">{bag}</statsOperator>') == 2.5
    assert run(f'<statsOperator name="popVariance">{bag}</statsOperator>') == 1.25


def test_field_value_reads_a_record():
    record = Record(a=1, b="x")
    assert (
        run('<fieldValue fieldIdentifier="b"><variable identifier="REC"/></fieldValue>', REC=record)
        == "x"
    )
    assert run('<fieldValue fieldIdentifier="b"><variable identifier="REC"/></fieldValue>') is None


def test_random_values_come_from_the_seeded_source():
    first = run('<randomInteger min="1" max="100" step="3"/>')
    assert first == run('<randomInteger min="1" max="100" step="3"/>')
    assert (first - 1) % 3 == 0
    assert 1 <= run('<randomFloat min="1" max="2"/>') <= 2  # type: ignore[operator]


@pytest.mark.parametrize(
    ("xml", "error", "fragment"),
    [
        ('<customOperator class="x"/>', QtiUnsupportedError, "customOperator"),
        ("<numberCorrect/>", QtiInvalidItemError, "test-level"),
        ("<frobnicate/>", QtiInvalidItemError, "not a QTI expression"),
        (f"<not>{I(1)}{I(2)}</not>", QtiInvalidItemError, "operand"),
        ('<mathOperator name="nope"><null/></mathOperator>', QtiInvalidItemError, "mathOperator"),
        ('<mapResponse identifier="X"/>', QtiInvalidItemError, "not a response"),
    ],
)
def test_invalid_or_unsupported_expressions_fail_at_compile_time(xml, error, fragment):
    with pytest.raises(error, match=fragment):
        run(xml)


def test_nan_never_escapes():
    assert run(f"<sum>{F(1e308)}{F(1e308)}</sum>") is None
    assert not any(
        isinstance(v, float) and math.isnan(v)
        for v in (run(f"<divide>{F(0)}{F(0)}</divide>"), run(f"<round>{F(1e308)}</round>"))
    )
