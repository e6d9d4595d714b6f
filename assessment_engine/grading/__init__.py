"""Pure grading: ``grade(question, response) -> Grade``.

Deterministic, no I/O. Grader workers on the cluster and the Lambda overflow function both
call this, so a spilled submission gets the identical score. Each question type has its
own module; this package routes by ``question.type`` (QTI items, ``type == "qti"``, go to the
response-processing interpreter in ``grading.qti``).

Public contract::

    from assessment_engine.grading import grade, GRADER_VERSION
    from assessment_engine.grading.models import Question, Grade
    from assessment_engine.grading.errors import InvalidResponseError
"""

from __future__ import annotations

from assessment_engine.grading.engine import grade
from assessment_engine.grading.errors import (
    GradingError,
    GradingTimeoutError,
    InvalidResponseError,
    UnsupportedQuestionError,
)
from assessment_engine.grading.models import Grade, Question
from assessment_engine.grading.version import GRADER_VERSION

__all__ = [
    "GRADER_VERSION",
    "Grade",
    "GradingError",
    "GradingTimeoutError",
    "InvalidResponseError",
    "Question",
    "UnsupportedQuestionError",
    "grade",
]
