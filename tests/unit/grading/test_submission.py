from __future__ import annotations

import pytest
from pydantic import JsonValue

from assessment_engine.grading.errors import SubmissionShapeError
from assessment_engine.grading.models import (
    DescriptionQuestion,
    EssayQuestion,
    Question,
    TrueFalseQuestion,
)
from assessment_engine.grading.submission import (
    SubmissionGrade,
    grade_from_json,
    grade_submission,
    grade_to_json,
    submission_grade_from_json,
    submission_grade_to_json,
)
from tests.unit.grading.factories import mc, num, sa

QUESTIONS: dict[str, Question] = {
    "tf": TrueFalseQuestion(id="tf", text="t", answer=True, points=2),
    "mc": mc(("a", 1.0), ("b", 0.0), id="mc", points=3),
    "sa": sa(("Paris", 1.0), id="sa"),
    "num": num({"value": 0.1, "fraction": 1}, id="num", points=0.7),
    "essay": EssayQuestion(id="essay", text="Discuss", points=5),
    "desc": DescriptionQuestion(id="desc", text="Intro"),
}
ORDER = ["desc", "tf", "mc", "sa", "num", "essay"]


def test_totals_order_and_flags():
    answers: dict[str, JsonValue] = {
        "tf": True,
        "mc": ["a"],
        "sa": 42,
        "num": "0.1",
        "essay": "words",
    }
    result = grade_submission(QUESTIONS, answers, ORDER)
    assert [g.question_id for g in result.grades] == ORDER
    assert result.total == pytest.approx(2 + 3 + 0.7)
    assert result.max_total == pytest.approx(2 + 3 + 1 + 0.7 + 5)
    assert result.invalid == ("sa",)
    assert result.unanswered == ()
    assert result.needs_manual_grading is True


def test_invalid_response_scores_zero_with_reason():
    result = grade_submission(QUESTIONS, {"sa": ["x"]}, ["sa"])
    (only,) = result.grades
    assert only.score == 0.0
    assert only.max_score == 1.0
    assert only.parts[0].detail == "invalid response: expected a string"


def test_unanswered_questions_score_zero_and_are_listed():
    result = grade_submission(QUESTIONS, {"tf": None}, ORDER)
    assert result.unanswered == ("tf", "mc", "sa", "num", "essay")
    assert result.total == 0.0
    assert result.needs_manual_grading is False  # an empty essay is just 0
    assert all(g.status == "graded" for g in result.grades)


def test_answers_for_other_questions_are_ignored():
    result = grade_submission(QUESTIONS, {"tf": True, "ghost": 1}, ["tf"])
    assert result.total == 2.0


def test_unknown_or_repeated_ids_are_caller_errors():
    with pytest.raises(SubmissionShapeError):
        grade_submission(QUESTIONS, {}, ["nope"])
    with pytest.raises(SubmissionShapeError):
        grade_submission(QUESTIONS, {}, ["tf", "tf"])


def test_json_round_trip_is_exact():
    answers: dict[str, JsonValue] = {
        "tf": False,
        "mc": ["a"],
        "sa": "paris",
        "num": "0.1000000000000001",
        "essay": "x",
    }
    result = grade_submission(QUESTIONS, answers, ORDER)
    text = submission_grade_to_json(result)
    again = submission_grade_from_json(text)
    assert again == result
    assert submission_grade_to_json(again) == text
    assert isinstance(again, SubmissionGrade)
    first = result.grades[2]
    assert grade_from_json(grade_to_json(first)) == first


def test_grading_twice_gives_identical_json():
    answers: dict[str, JsonValue] = {
        "tf": True,
        "mc": ["b"],
        "sa": "Paris",
        "num": "1",
        "essay": "x",
    }
    one = submission_grade_to_json(grade_submission(QUESTIONS, answers, ORDER))
    two = submission_grade_to_json(grade_submission(QUESTIONS, answers, ORDER))
    assert one == two
