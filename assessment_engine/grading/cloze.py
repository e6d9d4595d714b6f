"""Cloze (embedded answers, Moodle ``qtype_multianswer``) grading. Called by ``engine``.

Response: a JSON object mapping the blank number as a string (``"1"``, ``"2"``, ... matching
``{#n}`` in the text) to that blank's response, in the shape its sub-question takes
(multichoice: list of option texts; shortanswer/numerical: string). Each blank is graded by
its type's grader; the question's fraction is the weighted mean ``Σ wᵢ·fᵢ / Σ wᵢ``. A missing
blank (or ``null``) scores 0. Rejected (``InvalidResponseError``): a non-object, keys that do
not name a blank, and a blank response of the wrong shape (the message names the blank).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import JsonValue

from assessment_engine.grading import choice, numerical, shortanswer
from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import ClozeQuestion
from assessment_engine.grading.outcome import Outcome, part

_GRADERS: dict[str, Callable[[Any, JsonValue], Outcome]] = {
    "multichoice": choice.evaluate,
    "shortanswer": shortanswer.evaluate,
    "numerical": numerical.evaluate,
}


def evaluate(question: ClozeQuestion, response: JsonValue) -> Outcome:
    """Grade a cloze response (see module docstring)."""
    if not isinstance(response, dict):
        raise InvalidResponseError(
            question.id, "expected an object mapping blank numbers to answers"
        )
    blanks = question.blanks
    keys = compiled(question, "cloze", lambda: frozenset(str(n) for n in range(1, len(blanks) + 1)))
    for key in response:
        if key not in keys:
            raise InvalidResponseError(question.id, "a key does not name a blank")
    total_weight = sum(blank.weight for blank in blanks)
    earned = 0.0
    parts = []
    feedback: list[str] = []
    for number, blank in enumerate(blanks, start=1):
        share = blank.weight / total_weight
        sub_response = response.get(str(number))
        if sub_response is None:
            parts.append(part(f"blank {number}", 0.0, share, False, "not answered"))
            continue
        try:
            outcome = _GRADERS[blank.question.type](blank.question, sub_response)
        except InvalidResponseError as exc:
            raise InvalidResponseError(question.id, f"blank {number}: {exc.reason}") from exc
        earned += blank.weight * outcome.fraction
        detail = outcome.parts[0].detail if outcome.parts else ""
        parts.append(
            part(
                f"blank {number}", share * outcome.fraction, share, outcome.fraction >= 1.0, detail
            )
        )
        feedback.extend(outcome.feedback)
    return Outcome(earned / total_weight, tuple(parts), tuple(feedback))
