from __future__ import annotations

import pytest

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import TrueFalseQuestion


def _q(answer: bool) -> TrueFalseQuestion:
    return TrueFalseQuestion(
        id="tf",
        text="Sky is blue",
        answer=answer,
        feedback_if_right="yes",
        feedback_if_wrong="no",
        points=2,
    )


def test_right_answer_gets_full_marks_and_right_feedback():
    result = grade(_q(True), True)
    assert (result.score, result.max_score, result.feedback) == (2.0, 2.0, ("yes",))


def test_wrong_answer_gets_zero_and_wrong_feedback():
    result = grade(_q(False), True)
    assert (result.score, result.feedback) == (0.0, ("no",))


@pytest.mark.parametrize("response", ["true", "T", 1, 0, [True], {"a": True}])
def test_non_boolean_responses_are_rejected(response):
    with pytest.raises(InvalidResponseError):
        grade(_q(True), response)
