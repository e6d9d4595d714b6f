"""``grade(question, response) -> Grade``: routes a response to its question type's grader.

The single entry point of pure grading, called by the grader workers, the Lambda overflow
function and regrading (``grading.submission`` wraps it for a whole submission). Deterministic,
no I/O: the same question and response give the same ``Grade`` on every machine.

A ``None`` response means "not answered": score 0 with status ``graded`` (descriptions: 0 of
0; QTI items run their own response processing on NULL responses, see ``grading.qti``).
Wrong-shape responses raise ``InvalidResponseError``; per-type semantics and response shapes
are in each module's docstring and in ``docs/grading.md``. Every grade carries
``grading.version.GRADER_VERSION``, so a stored result names the code that produced it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pydantic import JsonValue

from assessment_engine.grading import (
    choice,
    cloze,
    essay,
    formula,
    matching,
    numerical,
    ordering,
    shortanswer,
    truefalse,
)
from assessment_engine.grading.errors import UnsupportedQuestionError
from assessment_engine.grading.models import (
    CodeQuestion,
    Grade,
    QtiQuestion,
    Question,
    QuestionBase,
)
from assessment_engine.grading.outcome import Outcome, build_grade, part
from assessment_engine.grading.qti.grade import grade_qti
from assessment_engine.grading.version import GRADER_VERSION

_EVALUATORS: dict[str, Callable[[Any, JsonValue], Outcome]] = {
    "multichoice": choice.evaluate,
    "truefalse": truefalse.evaluate,
    "shortanswer": shortanswer.evaluate,
    "numerical": numerical.evaluate,
    "matching": matching.evaluate,
    "ordering": ordering.evaluate,
    "cloze": cloze.evaluate,
    "formula": formula.evaluate_response,
    "essay": essay.evaluate_essay,
}

_NOT_ANSWERED = Outcome(0.0, (part("response", 0.0, 1.0, False, "not answered"),))


def _grade_code(question: CodeQuestion, response: JsonValue) -> Grade:
    try:
        code_module = importlib.import_module("assessment_engine.grading.code")
    except ModuleNotFoundError as exc:
        if exc.name != "assessment_engine.grading.code":
            raise
        raise UnsupportedQuestionError("code questions have no grader in this deployment") from exc
    result: Grade = code_module.grade_code(question, response)
    return result


def grade(question: Question, response: JsonValue) -> Grade:
    """Grade one response to one question (see module docstring)."""
    kind = question.type
    evaluator = _EVALUATORS.get(kind)
    if evaluator is not None:
        outcome = _NOT_ANSWERED if response is None else evaluator(question, response)
        return build_grade(question, kind, outcome, GRADER_VERSION)
    if isinstance(question, QtiQuestion):
        return grade_qti(question, response, GRADER_VERSION)
    if kind == "description":
        return _description_grade(question)
    if isinstance(question, CodeQuestion):
        return _grade_code(question, response)
    raise UnsupportedQuestionError(f"no grader for question type {kind!r}")


def _description_grade(question: QuestionBase) -> Grade:
    return Grade.model_construct(
        question_id=question.id,
        question_type="description",
        status="graded",
        score=0.0,
        max_score=0.0,
        fraction=0.0,
        parts=(),
        feedback=(),
        key_version=question.key_version,
        grader_version=GRADER_VERSION,
    )
