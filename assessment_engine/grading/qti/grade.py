"""Grade a response to a QTI item: ``grade_qti(question, response) -> Grade``.

Called by ``grading.engine.grade`` for ``type == "qti"`` (workers and the Lambda function run
the same code). The item's compiled program (``program.program_for``, cached) runs on the
response (``responses.read_response``); the grade's ``score`` is the SCORE outcome as the item
computed it, negative values included (an item allows them by its mapping bounds and rules);
``max_score`` is MAXSCORE when response processing leaves a number there, else the question's
``points`` (MAXSCORE's default or the maximum computed at import, ``maxscore``). ``fraction``
is score / max_score (0 when the maximum is 0). An item whose score a person gives
(``manual``) is ``needs_manual_grading`` once answered. The grade's ``feedback`` holds the
item's ``modalFeedback`` texts that its outcomes show (``showHide``: an outcome value, or a
member of a container outcome, equal to the feedback's identifier), then the general
feedback; like every grade's feedback, students see it only once results are released. An
unanswered item (``None``) runs response processing with every response NULL, as a QTI engine
does.
"""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.models import Grade, QtiFeedback, QtiQuestion
from assessment_engine.grading.outcome import instance, part
from assessment_engine.grading.qti.program import ItemProgram, program_for
from assessment_engine.grading.qti.responses import read_response
from assessment_engine.grading.qti.values import Multiple, Ordered


def program_of(question: QtiQuestion) -> ItemProgram:
    """The compiled program of ``question`` (per object, then per scoring-XML digest)."""
    return compiled(question, "qti", lambda: program_for(question.scoring_xml, question.id))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _identifier(value: Any) -> Any:
    # Onyx keys feedback on boolean outcomes with identifier "true"
    return ("true" if value else "false") if isinstance(value, bool) else value


def _shown(outcome: str, feedback: QtiFeedback, state: dict[str, Any]) -> bool:
    value = state.get(outcome)
    if isinstance(value, Multiple | Ordered):
        hit = feedback.identifier in [_identifier(v) for v in value]
    else:
        hit = _identifier(value) == feedback.identifier
    return hit == feedback.show


def grade_qti(question: QtiQuestion, response: JsonValue, version: str) -> Grade:
    """Grade one response (see module docstring); ``version`` is the grader version."""
    program = program_of(question)
    values = read_response(question, program.responses, response)
    state = program.run(values)
    score = _number(state.get("SCORE")) or 0.0
    declared_max = _number(state.get("MAXSCORE")) if program.declares("MAXSCORE") else None
    max_score = declared_max if declared_max is not None else question.points
    fraction = score / max_score if max_score > 0 else 0.0
    answered = any(v is not None for v in values.values())
    status = "needs_manual_grading" if question.manual and answered else "graded"
    correct = max_score > 0 and score >= max_score
    feedback = tuple(f.text for f in question.modal_feedback if _shown(f.outcome, f, state))
    if question.general_feedback:
        feedback = (*feedback, question.general_feedback)
    return instance(
        Grade,
        {
            "question_id": question.id,
            "question_type": "qti",
            "status": status,
            "score": score + 0.0,
            "max_score": max_score,
            "fraction": fraction + 0.0,
            "parts": (part("SCORE", score + 0.0, max_score, correct),),
            "feedback": feedback,
            "key_version": question.key_version,
            "grader_version": version,
        },
    )
