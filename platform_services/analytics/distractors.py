"""Distractor tables for choice questions (pure): who chose which option, upper/lower 27%.

Called by ``analytics.itemstats``. Options are the ones seen in responses (events carry no keys,
so options nobody chose are not known and cannot be listed); ``likely_key`` marks options whose
choosers score at least half marks on average. Groups: the top and bottom 27% of the students
who got the item, ranked by total score (ties broken by student id).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from platform_services.analytics.matrix import FloatArray
from platform_services.analytics.models import OptionStats

CHOICE_TYPES = frozenset({"multichoice", "truefalse"})
NO_ANSWER = "(no answer)"
GROUP_FRACTION = 0.27


def chosen_options(question_type: str, response: Any) -> list[str]:
    if response is None or response == [] or response == "":
        return [NO_ANSWER]
    if question_type == "truefalse" and isinstance(response, bool):
        return ["True" if response else "False"]
    if isinstance(response, list):
        return [str(item) for item in response]
    return [str(response)]


def correlation(x: FloatArray, y: FloatArray) -> float | None:
    if len(x) < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    if denominator <= 1e-12:
        return None
    return float((dx * dy).sum() / denominator)


def distractor_table(
    question_type: str,
    responses: list[Any],
    scores: FloatArray,
    totals: FloatArray,
    students: list[str],
    max_score: float,
    non_functional_below: float,
) -> list[OptionStats]:
    """One row per option; inputs cover only the students who got the item."""
    n = len(responses)
    group = max(1, int(GROUP_FRACTION * n + 0.5))
    ranking = sorted(range(n), key=lambda i: (-totals[i], students[i]))
    upper, lower = set(ranking[:group]), set(ranking[-group:])
    chosen = [set(chosen_options(question_type, r)) for r in responses]
    options = sorted({option for picks in chosen for option in picks})
    rest = totals - scores
    table: list[OptionStats] = []
    for option in options:
        mask = np.array([option in picks for picks in chosen], dtype=np.float64)
        idx = [i for i in range(n) if mask[i]]
        count = len(idx)
        mean_fraction = float(scores[idx].mean() / max_score) if max_score > 0 else 0.0
        likely_key = option != NO_ANSWER and mean_fraction >= 0.5
        percent = 100.0 * count / n
        table.append(
            OptionStats(
                option=option,
                count=count,
                percent=percent,
                upper_count=len(upper.intersection(idx)),
                upper_percent=100.0 * len(upper.intersection(idx)) / group,
                lower_count=len(lower.intersection(idx)),
                lower_percent=100.0 * len(lower.intersection(idx)) / group,
                mean_score_percent=100.0 * mean_fraction,
                likely_key=likely_key,
                point_biserial=correlation(mask, rest),
                non_functional=not likely_key
                and option != NO_ANSWER
                and percent < non_functional_below,
            )
        )
    return table
