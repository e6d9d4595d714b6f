"""Multiple-choice grading (Moodle ``qtype_multichoice``), called by ``engine`` and ``cloze``.

Response: a JSON list of the selected option texts (``[]`` = nothing selected).

* single (radio): at most one selection; the fraction is the chosen option's fraction,
  floored at 0.
* multi (checkboxes): the sum of the selected options' fractions clamped to [0, 1]
  (``qtype_multichoice_multi_question::grade_response``). Order-invariant.

Rejected (``InvalidResponseError``): a non-list, non-string items, a text that is not one of
the options, the same option twice, more than one selection for a single-answer question.
If two options share a text, the first one is the one selected.
"""

from __future__ import annotations

import math

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import Choice, MultipleChoiceQuestion
from assessment_engine.grading.outcome import Outcome, clamp01, part


def _index(question: MultipleChoiceQuestion) -> dict[str, tuple[int, Choice]]:
    table: dict[str, tuple[int, Choice]] = {}
    for index, choice in enumerate(question.choices):
        table.setdefault(choice.text, (index, choice))
    return table


def selected_choices(question: MultipleChoiceQuestion, response: JsonValue) -> list[Choice]:
    """Validate the response shape; return the selected choices in the question's order."""
    if not isinstance(response, list):
        raise InvalidResponseError(question.id, "expected a list of selected option texts")
    if question.single and len(response) > 1:
        raise InvalidResponseError(question.id, "only one option may be selected")
    table = compiled(question, "choice", lambda: _index(question))
    chosen: list[tuple[int, Choice]] = []
    seen: set[str] = set()
    for item in response:
        if not isinstance(item, str):
            raise InvalidResponseError(question.id, "selected options must be strings")
        entry = table.get(item)
        if entry is None:
            raise InvalidResponseError(question.id, "a selected option is not one of the choices")
        if item in seen:
            raise InvalidResponseError(question.id, "an option is selected more than once")
        seen.add(item)
        chosen.append(entry)
    chosen.sort(key=lambda entry: entry[0])
    return [choice for _, choice in chosen]


def evaluate(question: MultipleChoiceQuestion, response: JsonValue) -> Outcome:
    """Grade a multiple-choice response (see module docstring)."""
    chosen = selected_choices(question, response)
    if not chosen:
        return Outcome(0.0, (part("selection", 0.0, 1.0, False, "no option selected"),))
    # fsum is exactly rounded, hence independent of the selection order.
    raw = chosen[0].fraction if len(chosen) == 1 else math.fsum([c.fraction for c in chosen])
    fraction = clamp01(raw)
    feedback = tuple(choice.feedback for choice in chosen if choice.feedback)
    detail = f"{len(chosen)} option(s) selected"
    return Outcome(fraction, (part("selection", fraction, 1.0, fraction >= 1.0, detail),), feedback)
