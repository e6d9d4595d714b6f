from __future__ import annotations

import sys

import pytest

from assessment_engine.grading import GRADER_VERSION, UnsupportedQuestionError, grade
from assessment_engine.grading.models import (
    CodeQuestion,
    CodeTestCase,
    DescriptionQuestion,
    EssayQuestion,
    TrueFalseQuestion,
)


def test_grade_carries_versions_and_ids():
    q = TrueFalseQuestion(id="q7", text="t", answer=True, key_version=3, points=2.5)
    result = grade(q, True)
    assert result.question_id == "q7"
    assert result.question_type == "truefalse"
    assert result.key_version == 3
    assert result.grader_version == GRADER_VERSION
    assert (result.score, result.max_score, result.fraction) == (2.5, 2.5, 1.0)


def test_parts_are_scaled_to_points():
    q = TrueFalseQuestion(id="q", text="t", answer=True, points=4)
    assert grade(q, True).parts[0].max_score == 4.0


def test_general_feedback_is_appended():
    q = TrueFalseQuestion(
        id="q", text="t", answer=True, general_feedback="because", feedback_if_right="ok"
    )
    assert grade(q, True).feedback == ("ok", "because")


def test_none_means_not_answered():
    result = grade(TrueFalseQuestion(id="q", text="t", answer=True), None)
    assert (result.score, result.status, result.parts[0].detail) == (0.0, "graded", "not answered")


def test_essay_needs_manual_grading_and_is_never_auto_scored():
    q = EssayQuestion(id="e", text="Discuss", points=10, grader_info="KEY: mention entropy")
    result = grade(q, "I mention entropy here.")
    assert result.status == "needs_manual_grading"
    assert result.score == 0.0
    assert result.max_score == 10.0
    assert "4 words" in result.parts[0].detail
    assert "KEY" not in result.model_dump_json()


def test_essay_rejects_non_text():
    from assessment_engine.grading import InvalidResponseError

    with pytest.raises(InvalidResponseError):
        grade(EssayQuestion(id="e", text="Discuss"), ["a"])


def test_description_is_worth_nothing_whatever_the_response():
    q = DescriptionQuestion(id="d", text="Read this", points=3)
    result = grade(q, {"anything": 1})
    assert (result.score, result.max_score, result.fraction) == (0.0, 0.0, 0.0)


def test_code_questions_without_a_code_grader_are_unsupported(monkeypatch):
    q = CodeQuestion(
        id="c", text="Write f", tests=(CodeTestCase(name="t", call="f()", expected_value=1),)
    )
    monkeypatch.setitem(sys.modules, "assessment_engine.grading.code", None)
    with pytest.raises(UnsupportedQuestionError):
        grade(q, "def f(): return 1")


def test_unvalidated_grades_equal_validated_ones():
    from assessment_engine.grading.models import Grade
    from assessment_engine.grading.outcome import instance

    q = TrueFalseQuestion(id="q", text="t", answer=True, points=3, general_feedback="g")
    result = grade(q, False)
    again = Grade.model_validate(result.model_dump())
    assert again == result
    assert again.model_dump_json() == result.model_dump_json()
    assert result.model_fields_set == again.model_fields_set
    assert instance.__name__ == "_fast_instance"  # the self-check accepted this pydantic


def test_shared_parts_do_not_depend_on_call_history():
    from assessment_engine.grading.outcome import part

    negative_zero_first = part("p", -0.0, 1, False)
    assert negative_zero_first.model_dump_json() == part("p", 0.0, 1.0, False).model_dump_json()
    assert '"score":0.0' in negative_zero_first.model_dump_json()
    assert isinstance(part("q", 1, 1, True).max_score, float)
