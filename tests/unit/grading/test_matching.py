from __future__ import annotations

import pytest
from pydantic import JsonValue

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import MatchingQuestion, MatchPair


def _q(**kw):
    return MatchingQuestion(
        id="match",
        text="Capitals",
        pairs=(
            MatchPair(left="France", right="Paris"),
            MatchPair(left="Italy", right="Rome"),
            MatchPair(left="Spain", right="Madrid"),
            MatchPair(left="Portugal", right="Lisbon"),
        ),
        distractors=("Berlin",),
        **kw,
    )


def test_fraction_is_right_over_total():
    response: dict[str, JsonValue] = {
        "France": "Paris",
        "Italy": "Rome",
        "Spain": "Lisbon",
        "Portugal": "Berlin",
    }
    result = grade(_q(points=8), response)
    assert result.fraction == 0.5
    assert result.score == 4.0
    assert [p.correct for p in result.parts] == [True, True, False, False]
    assert sum(p.max_score for p in result.parts) == pytest.approx(8.0)


def test_missing_and_null_stems_count_as_wrong():
    assert grade(_q(), {"France": "Paris", "Italy": None}).fraction == 0.25
    assert grade(_q(), {}).fraction == 0.0


def test_all_right_is_full_marks():
    response: dict[str, JsonValue] = {
        "France": "Paris",
        "Italy": "Rome",
        "Spain": "Madrid",
        "Portugal": "Lisbon",
    }
    assert grade(_q(), response).fraction == 1.0


@pytest.mark.parametrize(
    "response",
    [
        ["Paris"],
        "Paris",
        {"Germany": "Berlin"},
        {"France": "Tokyo"},
        {"France": 1},
        {"France": ["Paris"]},
    ],
)
def test_wrong_shapes_and_unknown_keys_are_rejected(response):
    with pytest.raises(InvalidResponseError):
        grade(_q(), response)
