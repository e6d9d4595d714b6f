"""Malformed GIFT: every bad question is reported with line, column and title; none is dropped."""

from __future__ import annotations

import contextlib
import time

import pytest

from assessment_engine.authoring.errors import GiftDocumentError, GiftSyntaxError
from assessment_engine.authoring.gift import parse_gift


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("Capital? {=Paris", 1, 10, "'{' without '}'"),
        ("Capital? =Paris}", 1, 16, "'}' without '{'"),
        ("A } then { =x", 1, 3, "'}' before '{'"),
        ("Nested {=a {=b}}", 1, 12, "'{' inside an answer block"),
        ("Two {=a} blanks {=b}", 1, 17, "only one answer block"),
        ("Pick {~only}", 1, 7, "at least 2 answers"),
        ("Pick {~a ~b ~c}", 1, 7, "no answer gives credit"),
        ("Pick {~a ~ =b}", 1, 12, "empty answer"),
        ("Match {=a -> 1}", 1, 8, "at least 2 pairs"),
        ("Match {=a -> 1 =b 2 =c -> 3 =x}", 1, 17, "'=left -> right'"),
        ("Number {#abc}", 1, 10, "not a number"),
        ("Number {#1..x}", 1, 10, "maximum"),
        ("Number {#3:wide}", 1, 10, "tolerance"),
        ("Number {#1e400}", 1, 10, "out of range"),
        ("Number {#}", 1, 9, "at least 1 answer"),
        ("Number {#~#only feedback}", 1, 9, "at least 1 answer"),
        ("Weight {~%--5%a =b}", 1, 10, "malformed weight"),
        ("Weight {=x =%150%a}", 1, 13, "less than or equal to 1"),
        ("Numerical weight {#=%-50%3}", 1, 21, "greater than or equal to 0"),
        ("Match {=a -> 1 = -> 2}", 1, 1, "at least 2 items"),
        ("$CATEGORY: a\nQuestion glued to category {T}", 1, 1, "$CATEGORY"),
    ],
)
def test_malformed_question_is_reported_at_its_position(text, line, column, fragment):
    with pytest.raises(GiftSyntaxError) as info:
        parse_gift(text)
    error = info.value
    assert not isinstance(error, GiftDocumentError)
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.message


def test_column_counts_the_indentation_moodle_trims():
    with pytest.raises(GiftSyntaxError) as info:
        parse_gift("\n\n::Indented::\n      Question {=a\n")
    assert (info.value.line, info.value.column, info.value.title) == (4, 16, "Indented")
    assert "line 4, column 16 (question 'Indented')" in str(info.value)


def test_every_bad_question_of_a_document_is_reported_in_order():
    text = "\n".join(
        [
            "::Good:: fine {T}",
            "",
            "::B:: bad {=a",
            "",
            "  ::C:: Which? {~only}",
            "",
            "::Also good:: {=x =y}",
            "",
            "::E:: {#abc}",
            "",
            "{=%150%overweight}",
        ]
    )
    with pytest.raises(GiftDocumentError) as info:
        parse_gift(text)
    errors = info.value.errors
    assert [(e.line, e.title) for e in errors] == [(3, "B"), (5, "C"), (9, "E"), (11, None)]
    assert isinstance(info.value, GiftSyntaxError)
    assert "4 malformed questions" in str(info.value)
    assert (info.value.line, info.value.column) == (3, 11)


def test_unterminated_title_is_dropped_like_moodle():
    (q,) = parse_gift("::No closing title {T}")
    assert q.title is None
    assert q.text == "No closing title"


def test_megabyte_document_parses_in_bounded_time():
    block = "::T{n}:: " + "Long stem text. " * 14 + "What is {n} + 1? {{#{m}:0.5 ~#no}}\n\n"
    text = "".join(block.format(n=i, m=i + 1) for i in range(4_000))
    assert len(text) > 1_000_000
    started = time.perf_counter()
    questions = parse_gift(text)
    assert len(questions) == 4_000
    assert time.perf_counter() - started < 20  # generous: the point is linear, not quadratic


@pytest.mark.parametrize(
    "text",
    [
        "{" * 500_000 + "}" * 500_000,
        "{=" + "~" * 300_000 + "}",
        "a\n" * 300_000,
        "::" * 400_000,
        "\\" * 1_000_000,
        "{#" + "=1" * 50_000 + "}",
        ("{=a}\n\n" * 10_000),
        ("::Same:: {T}\n\n" * 10_000),
    ],
    ids=[
        "deep-braces",
        "tildes",
        "one-long-block",
        "colons",
        "backslashes",
        "numerical",
        "many-errors",
        "same-title",
    ],
)
def test_hostile_input_raises_only_gift_errors_in_bounded_time(text):
    started = time.perf_counter()
    with contextlib.suppress(GiftSyntaxError):
        parse_gift(text)
    assert time.perf_counter() - started < 20
