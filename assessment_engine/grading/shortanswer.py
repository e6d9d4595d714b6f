"""Short-answer grading (Moodle ``qtype_shortanswer``), called by ``engine`` and ``cloze``.

Response: a JSON string as typed. It is NFC-normalised and trimmed; the first answer whose
wildcard pattern matches (see ``wildcard``) gives the fraction; case-insensitive unless the
question says ``case_sensitive``. An empty (after trimming) response scores 0 without
matching, as Moodle does not grade an empty answer. Rejected: non-strings and strings longer
than ``MAX_RESPONSE_CHARS``.
"""

from __future__ import annotations

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import ShortAnswerQuestion, TextAnswer
from assessment_engine.grading.outcome import Outcome, part
from assessment_engine.grading.wildcard import Wildcard, compile_pattern, prepare_response

MAX_RESPONSE_CHARS = 65_536


def _compile(question: ShortAnswerQuestion) -> tuple[tuple[Wildcard, TextAnswer], ...]:
    ignore_case = not question.case_sensitive
    return tuple(
        (compile_pattern(answer.pattern, ignore_case), answer) for answer in question.answers
    )


def evaluate(question: ShortAnswerQuestion, response: JsonValue) -> Outcome:
    """Grade a short-answer response (see module docstring)."""
    if not isinstance(response, str):
        raise InvalidResponseError(question.id, "expected a string")
    if len(response) > MAX_RESPONSE_CHARS:
        raise InvalidResponseError(
            question.id, f"answer longer than {MAX_RESPONSE_CHARS} characters"
        )
    text = prepare_response(response, not question.case_sensitive)
    if not text:
        return Outcome(0.0, (part("answer", 0.0, 1.0, False, "empty answer"),))
    for matcher, answer in compiled(question, "shortanswer", lambda: _compile(question)):
        if matcher.matches(text):
            fraction = answer.fraction
            feedback = (answer.feedback,) if answer.feedback else ()
            return Outcome(
                fraction,
                (part("answer", fraction, 1.0, fraction >= 1.0, "matched an answer"),),
                feedback,
            )
    return Outcome(0.0, (part("answer", 0.0, 1.0, False, "no answer matched"),))
