from __future__ import annotations

import pytest

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import ClozeBlank, ClozeQuestion
from tests.unit.grading.factories import mc, num, sa


def _q(points=6.0):
    return ClozeQuestion(
        id="cloze",
        text="Capital {#1}, pi {#2}, colour {#3}",
        points=points,
        blanks=(
            ClozeBlank(weight=1, question=sa(("Paris", 1.0), ("Marseille", 0.5), id="b1")),
            ClozeBlank(
                weight=2, question=num({"value": 3.14, "tolerance": 0.01, "fraction": 1}, id="b2")
            ),
            ClozeBlank(weight=3, question=mc(("red", 1.0), ("blue", 0.0), id="b3")),
        ),
    )


def test_blanks_are_weighted():
    result = grade(_q(), {"1": "Paris", "2": "3.14", "3": ["red"]})
    assert result.score == pytest.approx(6.0)
    result = grade(_q(), {"1": "Marseille", "2": "3.14", "3": ["blue"]})
    # (1*0.5 + 2*1 + 3*0) / 6
    assert result.fraction == pytest.approx(2.5 / 6)
    assert [p.part for p in result.parts] == ["blank 1", "blank 2", "blank 3"]
    assert sum(p.score for p in result.parts) == pytest.approx(result.score)


def test_missing_blank_scores_zero_not_an_error():
    result = grade(_q(), {"2": "3.14"})
    assert result.fraction == pytest.approx(2 / 6)
    assert result.parts[0].detail == "not answered"


@pytest.mark.parametrize(
    "response",
    [
        ["Paris"],
        "Paris",
        {"4": "x"},
        {"0": "x"},
        {"01": "Paris"},
        {"one": "Paris"},
        {"3": "red"},
        {"2": [3.14]},
        {"9" * 5000: "x"},
    ],
)
def test_wrong_shapes_are_rejected(response):
    with pytest.raises(InvalidResponseError):
        grade(_q(), response)


def test_blank_errors_name_the_blank():
    with pytest.raises(InvalidResponseError, match="blank 3"):
        grade(_q(), {"3": ["green"]})
