"""Ordering grading, checked against a direct port of Moodle's qtype_ordering algorithms."""

from __future__ import annotations

import itertools

import pytest
from pydantic import JsonValue

from assessment_engine.grading import InvalidResponseError, grade
from assessment_engine.grading.models import OrderingQuestion

GRADINGS = [
    "all_or_nothing",
    "absolute_position",
    "relative_next_exclude_last",
    "relative_next_include_last",
    "relative_one_previous_and_next",
    "relative_all_previous_and_next",
    "longest_ordered_subset",
    "longest_contiguous_subset",
]


# --- reference: a literal transcription of qtype_ordering_question::grade_response ----------


def _next_ids(ids, last):
    result = {}
    imax = len(ids) - 1
    if last:
        nxt = 0
    else:
        nxt = ids[imax]
        imax -= 1
    for i in range(imax, -1, -1):
        result[ids[i]] = nxt
        nxt = ids[i]
    return result


def _prev_next(ids, all_):
    result = {}
    nxt = list(ids)
    prev: list[int] = []
    while nxt:
        answer = nxt.pop(0)
        if all_:
            result[answer] = (list(prev), list(nxt))
        else:
            result[answer] = ([prev[0] if prev else 0], [nxt[0] if nxt else 0])
        prev.insert(0, answer)
    return result


def _subsets(positions, contiguous):
    subsets: list[list[int]] = []
    for p, value in enumerate(positions):
        isnew = True
        new = []
        for s, subset in enumerate(subsets):
            end = positions[subset[-1]]
            if value == end + 1:
                isnew = False
                subsets[s] = [*subset, p]
            elif contiguous:
                pass
            elif value > end:
                isnew = False
                new.append(subset)
                subsets[s] = [*subset, p]
        if isnew:
            new.append([p])
        subsets.extend(new)
    return subsets


def moodle_fraction(correct, current, grading):
    right = total = 0
    if grading in ("all_or_nothing", "absolute_position"):
        for position, answer in enumerate(correct):
            right += current[position] == answer
            total += 1
        if grading == "all_or_nothing" and right < total:
            right = 0
    elif grading.startswith("relative_next"):
        last = grading == "relative_next_include_last"
        cur, cor = _next_ids(current, last), _next_ids(correct, last)
        for this, nxt in cor.items():
            right += this in cur and cur[this] == nxt
            total += 1
    elif grading.endswith("previous_and_next"):
        all_ = grading == "relative_all_previous_and_next"
        cur, cor = _prev_next(current, all_), _prev_next(correct, all_)
        for this, (prev, nxt) in cor.items():
            right += len([x for x in cur[this][0] if x in prev])
            right += len([x for x in cur[this][1] if x in nxt])
            total += len(prev) + len(nxt)
    else:
        positions = [correct.index(answer) for answer in current]
        best, count = [], 1
        for subset in _subsets(positions, grading == "longest_contiguous_subset"):
            if len(subset) > count:
                best, count = subset, len(subset)
        right, total = len(best), len(current)
    return right / total if total else 0.0


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("grading", GRADINGS)
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_every_permutation_matches_moodle(grading, n):
    items = [f"item{i}" for i in range(1, n + 1)]
    question = OrderingQuestion(id="o", text="Order", items=tuple(items), grading=grading)
    ids = list(range(1, n + 1))  # Moodle answer ids are non-zero
    for perm in itertools.permutations(range(n)):
        response: list[JsonValue] = [items[i] for i in perm]
        expected = moodle_fraction(ids, [ids[i] for i in perm], grading)
        assert grade(question, response).fraction == pytest.approx(expected), (grading, perm)


@pytest.mark.parametrize(
    ("grading", "response", "fraction"),
    [
        ("absolute_position", "ABCD", 1.0),
        ("absolute_position", "BACD", 0.5),
        ("all_or_nothing", "BACD", 0.0),
        ("relative_next_exclude_last", "BCDA", 2 / 3),
        ("relative_next_include_last", "BCDA", 2 / 4),
        ("relative_one_previous_and_next", "DCBA", 0.0),
        ("relative_all_previous_and_next", "DCBA", 0.0),
        ("longest_ordered_subset", "BADC", 2 / 4),
        ("longest_ordered_subset", "DCBA", 0.0),  # a single item is not a subset
        ("longest_contiguous_subset", "ACBD", 2 / 4),
    ],
)
def test_examples(grading, response, fraction):
    question = OrderingQuestion(id="o", text="Order", items=tuple("ABCD"), grading=grading)
    assert grade(question, list(response)).fraction == pytest.approx(fraction)


def test_long_lists_grade_quickly_where_moodle_would_enumerate_exponentially():
    n = 400
    items = tuple(f"i{k}" for k in range(n))
    # Pairwise swaps: Moodle's subset enumeration doubles at every pair.
    order: list[JsonValue] = [items[k + 1 - 2 * (k % 2)] for k in range(n)]
    q = OrderingQuestion(id="o", text="", items=items, grading="longest_ordered_subset")
    assert grade(q, order).fraction == pytest.approx(0.5)


def test_duplicate_item_texts_are_interchangeable():
    q = OrderingQuestion(id="o", text="", items=("x", "y", "x"), grading="absolute_position")
    assert grade(q, ["x", "y", "x"]).fraction == 1.0


@pytest.mark.parametrize(
    "response",
    [
        ["A", "B", "C"],
        ["A", "B", "C", "D", "D"],
        ["A", "A", "B", "C"],
        ["A", "B", "C", "E"],
        "ABCD",
        {"A": 1},
        ["A", "B", "C", 4],
        [],
    ],
)
def test_non_permutations_are_rejected(response):
    q = OrderingQuestion(id="o", text="", items=tuple("ABCD"))
    with pytest.raises(InvalidResponseError):
        grade(q, response)
