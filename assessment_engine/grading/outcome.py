"""The intermediate result every per-type grader returns, and how it becomes a ``Grade``.

Per-type modules (``choice``, ``numerical``, ...) return an :class:`Outcome` (a fraction in
[0, 1] plus details) rather than a ``Grade``, so that ``cloze`` can reuse them per blank and
``engine`` builds the final ``Grade`` in one place. Called by every grader and by the engine.

Grades are built with ``model_construct`` (no re-validation): every value here is produced by
this package with the right types, and validation dominated the hot path (see
``benchmarks/grading/RESULTS.md``).
"""

from __future__ import annotations

from typing import NamedTuple

from assessment_engine.grading.models import (
    Grade,
    GradeStatus,
    PartResult,
    QuestionBase,
    QuestionType,
)


class Outcome(NamedTuple):
    """A graded response before scaling by the question's points.

    Part scores are fractions of the whole question (a part's ``max_score`` is its share of
    1.0); ``build_grade`` scales them to points.
    """

    fraction: float
    parts: tuple[PartResult, ...] = ()
    feedback: tuple[str, ...] = ()
    status: GradeStatus = "graded"


def part(
    part_name: str, score: float, max_score: float, correct: bool, detail: str = ""
) -> PartResult:
    """Build a ``PartResult`` without re-validating values this package computed itself."""
    return PartResult.model_construct(
        part=part_name, score=score, max_score=max_score, correct=correct, detail=detail
    )


def clamp01(value: float) -> float:
    """Clamp a fraction to [0, 1] (Moodle floors totals at 0 and caps them at 1)."""
    if value <= 0.0:
        return 0.0
    if value >= 1.0:
        return 1.0
    return value


def build_grade(
    question: QuestionBase, question_type: QuestionType, outcome: Outcome, version: str
) -> Grade:
    """Scale an outcome by the question's points into the public ``Grade``."""
    fraction = clamp01(outcome.fraction)
    points = question.points
    feedback = outcome.feedback
    parts = outcome.parts
    if points != 1.0:
        parts = tuple(
            part(p.part, p.score * points, p.max_score * points, p.correct, p.detail) for p in parts
        )
    if question.general_feedback:
        feedback = (*feedback, question.general_feedback)
    return Grade.model_construct(
        question_id=question.id,
        question_type=question_type,
        status=outcome.status,
        score=fraction * points,
        max_score=points,
        fraction=fraction,
        parts=parts,
        feedback=feedback,
        key_version=question.key_version,
        grader_version=version,
    )
