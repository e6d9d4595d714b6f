"""The intermediate result every per-type grader returns, and how it becomes a ``Grade``.

Per-type modules (``choice``, ``numerical``, ...) return an :class:`Outcome` (a fraction in
[0, 1] plus details) rather than a ``Grade``, so that ``cloze`` can reuse them per blank and
``engine`` builds the final ``Grade`` in one place. Called by every grader and by the engine.

Grades are built without re-validation: every value here is produced by this package with the
right types, and validation (even ``model_construct``) dominated the hot path (see
``benchmarks/grading/RESULTS.md``). ``instance`` fills a pydantic v2 model's storage slots the
way ``model_construct`` does, minus its per-field loop; an import-time self-check compares it
with a validated model and falls back to ``model_construct`` if pydantic's layout ever changes.
Identical ``PartResult``s (immutable) are shared through a small cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel

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


_new = object.__new__
_set = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def _fast_instance(cls: type[M], values: dict[str, Any]) -> M:
    instance = _new(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", set(values))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


def _slow_instance(cls: type[M], values: dict[str, Any]) -> M:
    return cls.model_construct(**values)


def _choose_instance() -> Callable[[type[M], dict[str, Any]], M]:
    sample = {"part": "p", "score": 0.5, "max_score": 1.0, "correct": False, "detail": "d"}
    try:
        fast = _fast_instance(PartResult, dict(sample))
        valid = PartResult(**sample)
        if fast == valid and fast.model_dump_json() == valid.model_dump_json():
            return _fast_instance
    except Exception:  # noqa: S110 - any surprise means: use the documented API
        pass
    return _slow_instance


instance = _choose_instance()


def part(
    part_name: str, score: float, max_score: float, correct: bool, detail: str = ""
) -> PartResult:
    """A ``PartResult`` built without re-validating values this package computed itself."""
    # ``+ 0.0`` turns -0.0 into 0.0: the cache must not hand out a part whose JSON depends on
    # which of two equal keys was seen first.
    return _cached_part(part_name, score + 0.0, max_score + 0.0, correct, detail)


@lru_cache(maxsize=8192, typed=True)
def _cached_part(
    part_name: str, score: float, max_score: float, correct: bool, detail: str
) -> PartResult:
    values = {
        "part": part_name,
        "score": score,
        "max_score": max_score,
        "correct": correct,
        "detail": detail,
    }
    return instance(PartResult, values)


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
    return instance(
        Grade,
        {
            "question_id": question.id,
            "question_type": question_type,
            "status": outcome.status,
            "score": fraction * points,
            "max_score": points,
            "fraction": fraction,
            "parts": parts,
            "feedback": feedback,
            "key_version": question.key_version,
            "grader_version": version,
        },
    )
