"""Build the student x item score matrix from stored first-attempt rows (pure).

Called by ``analytics.itemstats.analyse``. Items are ordered by first appearance over students
sorted by id (deterministic); a student who did not get an item (random pools) has NaN there, and
so has an answer that is not scored yet (status ``needs_manual_grading`` or ``ungraded``): a
pending essay counts as missing, not as 0. Items nobody has a score for are listed in
``unscored`` and left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from platform_services.analytics.models import ResponseRow

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Matrix:
    students: list[str]
    items: list[str]
    types: list[str]
    max_scores: FloatArray
    scores: FloatArray
    responses: list[list[Any]]
    unscored: list[str]

    @property
    def complete(self) -> bool:
        return not bool(np.isnan(self.scores).any())

    @property
    def totals(self) -> FloatArray:
        return np.asarray(np.nansum(self.scores, axis=1), dtype=np.float64)


UNSCORED = frozenset({"needs_manual_grading", "ungraded"})


def build_matrix(rows: Sequence[ResponseRow]) -> Matrix:
    ordered = sorted(rows, key=lambda row: row.student_id)
    items: dict[str, int] = {}
    types: list[str] = []
    max_scores: list[float] = []
    seen: dict[str, None] = {}
    for row in ordered:
        for question in row.questions:
            seen.setdefault(question.question_id)
            if question.status in UNSCORED:
                continue
            if question.question_id not in items:
                items[question.question_id] = len(items)
                types.append(question.type)
                max_scores.append(question.max_score)
    scores = np.full((len(ordered), len(items)), np.nan, dtype=np.float64)
    responses: list[list[Any]] = [[None] * len(items) for _ in ordered]
    for r, row in enumerate(ordered):
        for question in row.questions:
            if question.status in UNSCORED:
                continue
            c = items[question.question_id]
            scores[r, c] = question.score
            responses[r][c] = question.response
            max_scores[c] = max(max_scores[c], question.max_score)
    return Matrix(
        students=[row.student_id for row in ordered],
        items=list(items),
        types=types,
        max_scores=np.asarray(max_scores, dtype=np.float64),
        scores=scores,
        responses=responses,
        unscored=[qid for qid in seen if qid not in items],
    )
