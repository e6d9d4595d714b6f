"""True/false grading (Moodle ``qtype_truefalse``): full marks or zero. Called by ``engine``.

Response: a JSON boolean. Anything else (including the strings "true"/"T") is rejected with
``InvalidResponseError``.
"""

from __future__ import annotations

from pydantic import JsonValue

from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import TrueFalseQuestion
from assessment_engine.grading.outcome import Outcome, part


def evaluate(question: TrueFalseQuestion, response: JsonValue) -> Outcome:
    """Grade a true/false response."""
    if not isinstance(response, bool):
        raise InvalidResponseError(question.id, "expected a boolean")
    right = response is question.answer
    fraction = 1.0 if right else 0.0
    feedback_text = question.feedback_if_right if right else question.feedback_if_wrong
    feedback = (feedback_text,) if feedback_text else ()
    return Outcome(fraction, (part("answer", fraction, 1.0, right),), feedback)
