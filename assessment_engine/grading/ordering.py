"""Ordering grading, following Moodle's ``qtype_ordering`` grading types. Called by ``engine``.

Response: a JSON list of the item texts in the student's order; it must be a permutation of
the question's items (``InvalidResponseError`` otherwise). Items are compared by position in
the correct order, so repeated texts are matched to positions first-come first-served.

Grading types (``qtype_ordering_question::grade_response``; fraction = correct / possible):

* ``all_or_nothing``: 1 if every item is in place, else 0.
* ``absolute_position``: items in their correct position / n.
* ``relative_next_exclude_last``: for each item but the last of the correct order, is it
  followed by its correct successor? / (n - 1).
* ``relative_next_include_last``: as above, and the last item must be last; / n.
* ``relative_one_previous_and_next``: per item, its immediate predecessor and successor
  (or "none" at the ends) each score one; / 2n.
* ``relative_all_previous_and_next``: per item, every item that should precede it and does,
  and every item that should follow it and does; / n(n - 1) (twice the concordant pairs).
* ``longest_ordered_subset``: length of the longest subsequence in correct relative order
  (not necessarily adjacent) / n; a longest subset of one item scores 0. Moodle enumerates
  subsets, exponential in the worst case; this computes the same length in O(n log n).
* ``longest_contiguous_subset``: length of the longest run of items that are consecutive in the
  correct order and appear in that order (not necessarily adjacent) / n; runs of one score 0.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

from pydantic import JsonValue

from assessment_engine.grading.compiled import compiled
from assessment_engine.grading.errors import InvalidResponseError
from assessment_engine.grading.models import OrderingQuestion
from assessment_engine.grading.outcome import Outcome, part


def _index(items: tuple[str, ...]) -> dict[str, int] | Counter[str]:
    """Item -> correct index when items are unique, else the multiset of items."""
    index = {item: position for position, item in enumerate(items)}
    return index if len(index) == len(items) else Counter(items)


def _positions(question: OrderingQuestion, response: JsonValue) -> list[int]:
    """Map the response to correct positions: ``result[i]`` = correct index of item i."""
    if not isinstance(response, list):
        raise InvalidResponseError(question.id, "expected a list of item texts")
    texts = [item for item in response if isinstance(item, str)]
    items = question.items
    if len(texts) != len(response) or len(texts) != len(items):
        raise InvalidResponseError(question.id, "expected a permutation of the item texts")
    table = compiled(question, "ordering", lambda: _index(items))
    if not isinstance(table, Counter):
        positions = [table.get(text, -1) for text in texts]
        if -1 in positions or len(set(positions)) != len(items):
            raise InvalidResponseError(question.id, "the list is not a permutation of the items")
        return positions
    if Counter(texts) != table:
        raise InvalidResponseError(question.id, "the list is not a permutation of the items")
    slots: dict[str, list[int]] = {}
    for position in range(len(items) - 1, -1, -1):
        slots.setdefault(items[position], []).append(position)
    return [slots[text].pop() for text in texts]


def _longest_increasing(values: list[int]) -> int:
    tails: list[int] = []
    for value in values:
        at = bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
    return len(tails)


def _longest_consecutive_run(values: list[int]) -> int:
    where = {value: index for index, value in enumerate(values)}
    best = run = 0
    for value in range(len(values)):
        run = run + 1 if value > 0 and where[value - 1] < where[value] else 1
        best = max(best, run)
    return best


def _pairs_score(pos: list[int], grading: str) -> tuple[int, int]:
    n = len(pos)
    where = [0] * n  # where[c] = response index of the item whose correct index is c
    for index, correct in enumerate(pos):
        where[correct] = index
    if grading in ("relative_next_exclude_last", "relative_next_include_last"):
        right = sum(1 for c in range(n - 1) if where[c + 1] == where[c] + 1)
        if grading == "relative_next_exclude_last":
            return right, n - 1
        return right + (where[n - 1] == n - 1), n
    if grading == "relative_one_previous_and_next":
        right = 0
        for c in range(n):
            at = where[c]
            right += (at == 0) if c == 0 else (at > 0 and pos[at - 1] == c - 1)
            right += (at == n - 1) if c == n - 1 else (at < n - 1 and pos[at + 1] == c + 1)
        return right, 2 * n
    concordant = sum(1 for a in range(n) for b in range(a + 1, n) if pos[a] < pos[b])
    return 2 * concordant, n * (n - 1)


def score(question: OrderingQuestion, pos: list[int]) -> tuple[int, int]:
    """(correct, possible) counts for a response given as correct positions."""
    n = len(pos)
    grading = question.grading
    if grading in ("all_or_nothing", "absolute_position"):
        right = sum(1 for index, correct in enumerate(pos) if index == correct)
        if grading == "all_or_nothing" and right < n:
            right = 0
        return right, n
    if grading in ("longest_ordered_subset", "longest_contiguous_subset"):
        if grading == "longest_ordered_subset":
            length = _longest_increasing(pos)
        else:
            length = _longest_consecutive_run(pos)
        return (length if length > 1 else 0), n
    return _pairs_score(pos, grading)


def evaluate(question: OrderingQuestion, response: JsonValue) -> Outcome:
    """Grade an ordering response (see module docstring)."""
    pos = _positions(question, response)
    right, possible = score(question, pos)
    fraction = right / possible if possible else 0.0
    detail = f"{right} of {possible}"
    return Outcome(fraction, (part(question.grading, fraction, 1.0, fraction >= 1.0, detail),))
