"""Matching grading (Moodle ``qtype_match``): ``fraction = right / total``. Called by ``engine``.

Response: a JSON object mapping each left-side stem text to the chosen right-side text; a
missing stem (or ``null``) counts as wrong. Rejected (``InvalidResponseError``): a non-object,
a key that is not a stem, a value that is neither ``null`` nor one of the right-side choices
(the pairs' right sides plus the distractors).
"""

from __future__ import annotations

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import MatchingQuestion
from assessment_engine.grading.outcome import Outcome, part


def _compile(question: MatchingQuestion) -> tuple[dict[str, str], frozenset[str]]:
    expected: dict[str, str] = {}
    for pair in question.pairs:
        expected.setdefault(pair.left, pair.right)
    choices = frozenset(pair.right for pair in question.pairs) | frozenset(question.distractors)
    return expected, choices


def evaluate(question: MatchingQuestion, response: JsonValue) -> Outcome:
    """Grade a matching response (see module docstring)."""
    if not isinstance(response, dict):
        raise InvalidResponseError(question.id, "expected an object mapping stems to choices")
    expected, choices = compiled(question, "matching", lambda: _compile(question))
    for left, right in response.items():
        if left not in expected:
            raise InvalidResponseError(question.id, "a key is not one of the stems")
        if right is not None and (not isinstance(right, str) or right not in choices):
            raise InvalidResponseError(question.id, "a value is not one of the choices")
    total = len(expected)
    parts = []
    right_count = 0
    for index, (left, right) in enumerate(expected.items(), start=1):
        ok = response.get(left) == right
        right_count += ok
        share = 1.0 / total
        parts.append(part(f"stem {index}", share if ok else 0.0, share, ok))
    return Outcome(right_count / total, tuple(parts))
