"""Grading-batch responses are matched back onto every submission sent."""

from __future__ import annotations

from assessment_engine.grading import GRADER_VERSION
from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.overflow.batch import split_response


def _grade() -> dict[str, object]:
    return SubmissionGrade(total=1.0, max_total=2.0, grades=()).model_dump(mode="json")


def test_split_response_accounts_for_every_submission_sent() -> None:
    body = {
        "results": [
            {
                "submission_id": "a",
                "key_version": 1,
                "grader_version": GRADER_VERSION,
                "grade": _grade(),
            },
            {
                "submission_id": "b",
                "key_version": 1,
                "grader_version": "0.0-other",
                "grade": _grade(),
            },
            {
                "submission_id": "zzz",
                "key_version": 1,
                "grader_version": GRADER_VERSION,
                "grade": _grade(),
            },
        ],
        "failures": [{"submission_id": "c", "error_type": "X", "message": "m"}],
    }
    split = split_response(body, ["a", "b", "c", "d"], GRADER_VERSION)
    assert set(split.grades) == {"a"}
    assert split.failures["b"].startswith("GraderVersionMismatch")
    assert split.failures["c"] == "X: m"
    assert split.failures["d"].startswith("MissingFromResponse")
