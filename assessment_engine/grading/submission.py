"""Grade a whole submission: ``grade_submission(questions, answers, question_ids)``.

Pure and deterministic; the grader workers and the Lambda overflow function both call it, so a
spilled submission gets the identical ``SubmissionGrade``. Idempotency key for callers that
store the result: (submission id, key versions of the questions, ``GRADER_VERSION``) — grading
the same inputs twice yields equal results, so writing either is safe.

Rules:

* Questions are graded in ``question_ids`` order; ``grades`` follows that order.
* Unanswered (id absent from ``answers`` or ``null``): score 0, status ``graded``, a part
  with detail "not answered", id listed in ``unanswered``. A blank is a definitive 0, not work
  left to do, so it is not ``ungraded``.
* Invalid response (``InvalidResponseError``): score 0, status ``graded``, one part whose detail
  is ``"invalid response: <reason>"`` (reasons never carry key material), id listed in
  ``invalid``. One bad answer never sinks the rest of the submission.
* Essays: status ``needs_manual_grading`` and ``needs_manual_grading=True`` on the submission
  (an unanswered essay is a plain 0 and needs no grader).
* Answers for ids not in ``question_ids`` are ignored. An id missing from ``questions`` or
  listed twice raises ``SubmissionShapeError``; ``UnsupportedQuestionError`` and
  ``GradingTimeoutError`` propagate (deployment problems, not student errors).

``submission_grade_to_json`` / ``submission_grade_from_json`` round-trip exactly (floats keep
every bit), for queues, Redis and Lambda payloads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from assessment_engine.grading.engine import grade
from assessment_engine.grading.errors import InvalidResponseError, SubmissionShapeError
from assessment_engine.grading.models import Grade, Question
from assessment_engine.grading.outcome import instance
from assessment_engine.grading.version import GRADER_VERSION


class SubmissionGrade(BaseModel):
    """The graded submission: totals, per-question grades in order, what went wrong where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    total: float = Field(description="Sum of the question scores.")
    max_total: float = Field(description="Sum of the questions' max scores.")
    grades: tuple[Grade, ...] = Field(description="One Grade per question id, in the given order.")
    invalid: tuple[str, ...] = Field(default=(), description="Ids whose response was rejected.")
    unanswered: tuple[str, ...] = Field(default=(), description="Ids with no response.")
    needs_manual_grading: bool = Field(
        default=False, description="An answered essay awaits a grader."
    )
    grader_version: str = GRADER_VERSION


def _invalid_grade(question: Question, reason: str) -> Grade:
    points = 0.0 if question.type == "description" else question.points
    return Grade(
        question_id=question.id,
        question_type=question.type,
        status="graded",
        score=0.0,
        max_score=points,
        fraction=0.0,
        parts=(
            {
                "part": "response",
                "score": 0.0,
                "max_score": points,
                "correct": False,
                "detail": f"invalid response: {reason}",
            },
        ),
        key_version=question.key_version,
        grader_version=GRADER_VERSION,
    )


def grade_submission(
    questions: Mapping[str, Question],
    answers: Mapping[str, JsonValue],
    question_ids: Sequence[str],
) -> SubmissionGrade:
    """Grade every question of a submission (see module docstring)."""
    if len(set(question_ids)) != len(question_ids):
        raise SubmissionShapeError("a question id is listed more than once")
    grades: list[Grade] = []
    invalid: list[str] = []
    unanswered: list[str] = []
    for question_id in question_ids:
        question = questions.get(question_id)
        if question is None:
            raise SubmissionShapeError(f"unknown question id {question_id!r}")
        response = answers.get(question_id)
        if response is None and question.type != "description":
            unanswered.append(question_id)
        try:
            result = grade(question, response)
        except InvalidResponseError as exc:
            invalid.append(question_id)
            result = _invalid_grade(question, exc.reason)
        grades.append(result)
    values = {
        "total": math.fsum(g.score for g in grades),
        "max_total": math.fsum(g.max_score for g in grades),
        "grades": tuple(grades),
        "invalid": tuple(invalid),
        "unanswered": tuple(unanswered),
        "needs_manual_grading": any(g.status == "needs_manual_grading" for g in grades),
        "grader_version": GRADER_VERSION,
    }
    # Every value above is built here with the declared types: skip re-validating 100 grades.
    return instance(SubmissionGrade, values)


def submission_grade_to_json(result: SubmissionGrade) -> str:
    """Serialise for storage or transport (exact float round trip)."""
    return result.model_dump_json()


def submission_grade_from_json(data: str | bytes) -> SubmissionGrade:
    """Parse what ``submission_grade_to_json`` wrote."""
    return SubmissionGrade.model_validate_json(data)


def grade_to_json(result: Grade) -> str:
    """Serialise one question's grade."""
    return result.model_dump_json()


def grade_from_json(data: str | bytes) -> Grade:
    """Parse what ``grade_to_json`` wrote."""
    return Grade.model_validate_json(data)
