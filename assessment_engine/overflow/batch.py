"""Batch payloads for the grading function and their responses (pure).

Used by ``dispatcher.Dispatcher``: ``build_payload`` turns ``GradingWork`` items into the event
the function's ``GradingBatch`` model parses; ``split_response`` sorts the function's
``{"results", "failures"}`` back onto the jobs. Anything the response does not mention counts as
a failure, so no job is ever silently dropped. Every question type spills, code questions
included: the function package carries the code grader and its sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.storage.models import GradingWork

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)


def build_payload(works: Sequence[GradingWork]) -> dict[str, Any]:
    return {
        "items": [
            {
                "submission_id": w.submission_id,
                "exam_id": w.exam_id,
                "key_version": w.key_version,
                "question_ids": list(w.question_ids),
                "answers": dict(w.answers),
                "questions": {
                    qid: _QUESTION.dump_python(q, mode="json") for qid, q in w.questions.items()
                },
            }
            for w in works
        ]
    }


@dataclass
class SplitResponse:
    grades: dict[str, SubmissionGrade] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    """submission id -> "error_type: message" (also for items missing from the response)."""


def split_response(
    body: Mapping[str, Any], submission_ids: Sequence[str], grader_version: str
) -> SplitResponse:
    """Match results/failures to the submissions sent; reject results of another grader."""
    split = SplitResponse()
    wanted = set(submission_ids)
    for raw in body.get("results") or []:
        sid = str(raw.get("submission_id"))
        if sid not in wanted:
            continue
        if raw.get("grader_version") != grader_version:
            split.failures[sid] = (
                f"GraderVersionMismatch: function {raw.get('grader_version')!r}, "
                f"cluster {grader_version!r}"
            )
            continue
        try:
            split.grades[sid] = SubmissionGrade.model_validate(raw.get("grade"))
        except ValidationError as exc:
            split.failures[sid] = f"InvalidResult: {exc.error_count()} validation errors"
    for raw in body.get("failures") or []:
        sid = str(raw.get("submission_id"))
        if sid in wanted and sid not in split.grades:
            split.failures[sid] = f"{raw.get('error_type')}: {raw.get('message')}"
    for sid in submission_ids:
        if sid not in split.grades and sid not in split.failures:
            split.failures[sid] = "MissingFromResponse: the function did not report this item"
    return split
