"""Batch payloads for the grading function and their responses (pure).

Used by ``dispatcher.Dispatcher``: ``build_payload`` turns ``GradingWork`` items into the
``GradingBatch`` event of ``assessment_engine.contracts.grading_batch``; ``split_response`` reads
the function's ``BatchResponse`` entries back onto the jobs. Each entry is validated on its own, so
one malformed entry fails only its submission, and anything the response does not mention counts
as a failure: no job is ever silently dropped. Every question type spills, code questions
included: the function package carries the code grader and its sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assessment_engine.contracts.grading_batch import GradingItem, ItemFailure, ItemResult
from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.storage.models import GradingWork


def build_payload(works: Sequence[GradingWork]) -> dict[str, Any]:
    """The invoke payload (``GradingBatch``) for ``works``, as JSON-ready data."""
    items = [
        GradingItem.model_construct(
            submission_id=w.submission_id,
            exam_id=w.exam_id,
            key_version=w.key_version,
            question_ids=list(w.question_ids),
            answers=dict(w.answers),
            questions=dict(w.questions),
        ).model_dump(mode="json")
        for w in works
    ]
    return {"items": items}


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
        if sid in wanted:
            _take_result(split, sid, raw, grader_version)
    for raw in body.get("failures") or []:
        sid = str(raw.get("submission_id"))
        if sid in wanted and sid not in split.grades:
            try:
                failure = ItemFailure.model_validate(raw)
            except ValidationError as exc:
                split.failures[sid] = f"InvalidFailure: {exc.error_count()} validation errors"
            else:
                split.failures[sid] = f"{failure.error_type}: {failure.message}"
    for sid in submission_ids:
        if sid not in split.grades and sid not in split.failures:
            split.failures[sid] = "MissingFromResponse: the function did not report this item"
    return split


def _take_result(split: SplitResponse, sid: str, raw: Any, grader_version: str) -> None:
    try:
        result = ItemResult.model_validate(raw)
        grade = SubmissionGrade.model_validate(result.grade)
    except ValidationError as exc:
        split.failures[sid] = f"InvalidResult: {exc.error_count()} validation errors"
        return
    if result.grader_version != grader_version:
        split.failures[sid] = (
            f"GraderVersionMismatch: function {result.grader_version!r}, cluster {grader_version!r}"
        )
        return
    split.grades[sid] = grade
