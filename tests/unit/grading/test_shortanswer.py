from __future__ import annotations

import pytest

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.wildcard import wildcard_match
from tests.unit.grading.factories import sa


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("Paris", "paris", True),
        ("Paris", "  Paris \n", True),  # trimmed
        ("Paris", "Pariss", False),
        ("Par*s", "Paradis", True),
        ("Par*s", "Pars", True),
        ("*cat*", "concatenate", True),
        ("*cat*", "dog", False),
        ("a**b", "axxb", True),  # ** is the same as *
        ("a\\*b", "a*b", True),  # \* is a literal star
        ("a\\*b", "axb", False),
        ("a\\**", "a*bc", True),  # literal star, then wildcard
        ("*", "anything at all", True),
        ("a*b", "a\nb", False),  # like PCRE without /s, * does not cross a newline
        ("a.b", "axb", False),  # regex metacharacters are literal
        ("(x)+[y]", "(x)+[y]", True),
        ("\\d", "\\d", True),
        ("a*a*a", "aa", False),
        ("a*a*a", "aaa", True),
    ],
)
def test_wildcard_matches_like_moodle(pattern, text, expected):
    assert wildcard_match(pattern, text) is expected


def test_nfc_normalisation_applies_to_both_sides():
    decomposed = "Cafe\u0301"  # e + combining acute
    composed = "Caf\u00e9"
    assert wildcard_match(decomposed, composed)
    assert wildcard_match(composed, decomposed)


def test_case_sensitivity():
    assert wildcard_match("ÉCOLE", "école")
    assert not wildcard_match("ÉCOLE", "école", case_sensitive=True)
    assert not wildcard_match("Paris", "paris", case_sensitive=True)


def test_case_folding_is_per_character_like_pcre():
    assert not wildcard_match("strasse", "straße")
    assert wildcard_match("STRAẞE", "straße")


def test_first_matching_answer_wins():
    q = sa(("Paris", 1.0), ("Par*", 0.5), ("*", 0.0))
    assert grade(q, "paris").fraction == 1.0
    assert grade(q, "Parisian").fraction == 0.5
    assert grade(q, "Lyon").fraction == 0.0


def test_empty_answer_scores_zero_even_with_a_catch_all():
    q = sa(("*", 1.0))
    result = grade(q, "   ")
    assert result.score == 0.0
    assert result.parts[0].detail == "empty answer"


@pytest.mark.parametrize("response", [5, ["Paris"], {"a": 1}, True, "x" * 70_000])
def test_wrong_shapes_are_rejected(response):
    with pytest.raises(InvalidResponseError):
        grade(sa(("Paris", 1.0)), response)


@pytest.mark.timeout(10)
def test_pathological_patterns_run_in_linear_time():
    # A backtracking ``.*`` regex takes astronomically long on these; the timeout is the bound.
    assert not wildcard_match("*a" * 2000 + "*b", "a" * 50_000)
    assert not wildcard_match("*" * 10_000 + "a" * 30 + "*" * 10_000 + "b", "a" * 60_000)
    assert wildcard_match("*a*" * 5000, "a" * 5000)
