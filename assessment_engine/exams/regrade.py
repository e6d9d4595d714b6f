"""Regrade diff: compare stored scores with scores under a fixed answer key.

Called by the proctor's regrade dry-run: the API grades every stored submission with the new key
version in-process (``grade_submission``), then this module lists every question whose score
changes. Nothing here decides whether a lower score is applied; the proctor sees the diff first.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

Scores = Mapping[str, float]


class ScoreChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    student_id: str
    submission_id: str
    question_id: str
    old_score: float
    new_score: float
    delta: float


class StudentTotal(BaseModel):
    model_config = ConfigDict(frozen=True)

    student_id: str
    submission_id: str
    old_total: float
    new_total: float


def diff_scores(
    student_id: str, submission_id: str, old: Scores, new: Scores, *, tolerance: float = 1e-9
) -> list[ScoreChange]:
    """Every question of one submission whose score differs between ``old`` and ``new``."""
    changes = []
    for qid in sorted(set(old) | set(new)):
        before, after = old.get(qid, 0.0), new.get(qid, 0.0)
        if abs(after - before) > tolerance:
            changes.append(
                ScoreChange(
                    student_id=student_id,
                    submission_id=submission_id,
                    question_id=qid,
                    old_score=before,
                    new_score=after,
                    delta=after - before,
                )
            )
    return changes


def changed_keys(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Question ids whose canonical JSON differs between two key versions (added ones too)."""
    return sorted(qid for qid in new if old.get(qid) != new[qid])
