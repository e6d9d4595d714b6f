"""Essay "grading" (descriptions are handled in ``engine``). Called by ``engine``.

Essays are never auto-scored (Moodle ``qtype_essay``): a string response is recorded with
status ``needs_manual_grading`` and score 0, its word count in the detail. Descriptions carry
no response and no marks: any response is ignored and the grade is 0 out of 0.
"""

from __future__ import annotations

from pydantic import JsonValue

from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import EssayQuestion
from assessment_engine.grading.outcome import Outcome, part

MAX_ESSAY_CHARS = 1_000_000


def evaluate_essay(question: EssayQuestion, response: JsonValue) -> Outcome:
    """Record an essay for manual grading."""
    if not isinstance(response, str):
        raise InvalidResponseError(question.id, "expected the essay text as a string")
    if len(response) > MAX_ESSAY_CHARS:
        raise InvalidResponseError(question.id, f"essay longer than {MAX_ESSAY_CHARS} characters")
    words = len(response.split())
    detail = f"{words} words; awaiting manual grading"
    return Outcome(0.0, (part("essay", 0.0, 1.0, False, detail),), (), "needs_manual_grading")
