"""An item's maximum score, the way the reference engines report it.

Called by the importer (``authoring.qti``) once per item; the result becomes the question's
``points``. In order: the MAXSCORE outcome's default value when declared (qti-sdk and TAO
report MAXSCORE as the item's maximum; when response processing sets MAXSCORE, the value it
sets on the keyed responses below); SCORE's ``normalMaximum``; otherwise the best SCORE of
response processing run on the keyed responses: every response at its ``correctResponse``,
and every response at its best mapping (the positively mapped keys, best first, as many as
the cardinality and ``maxChoices`` allow; for point responses the centre of the best area).
Items scored by a person without a declared maximum get 1.
"""

from __future__ import annotations

from typing import Any

from assessment_engine.grading.qti.declarations import AreaMapping, Declaration, Mapping
from assessment_engine.grading.qti.program import ItemProgram
from assessment_engine.grading.qti.values import Point, container


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _best_mapping(mapping: Mapping, decl: Declaration, limit: int) -> Any:
    ranked = sorted((e for e in mapping.entries if e.value > 0), key=lambda e: -e.value)
    keys = list(dict.fromkeys(e.key for e in ranked))
    if not keys:
        return None
    if decl.cardinality == "single":
        return keys[0]
    return container(decl.cardinality, keys[:limit] if limit > 0 else keys)


def _centre(shape: str, coords: tuple[float, ...]) -> Point:
    if shape == "rect":
        return Point(round((coords[0] + coords[2]) / 2), round((coords[1] + coords[3]) / 2))
    if shape in ("circle", "ellipse"):
        return Point(round(coords[0]), round(coords[1]))
    if shape == "poly":
        xs, ys = coords[0::2], coords[1::2]
        return Point(round(sum(xs) / len(xs)), round(sum(ys) / len(ys)))
    return Point(0, 0)


def _best_area(areas: AreaMapping, decl: Declaration, limit: int) -> Any:
    ranked = sorted((e for e in areas.entries if e.value > 0), key=lambda e: -e.value)
    points = [_centre(e.shape, e.coords) for e in ranked]
    if not points:
        return None
    if decl.cardinality == "single":
        return points[0]
    return container(decl.cardinality, points[:limit] if limit > 0 else points)


def candidates(program: ItemProgram, limits: dict[str, int]) -> list[dict[str, Any]]:
    """Keyed response sets worth trying: all correct, all best-mapped (correct as fallback)."""
    correct: dict[str, Any] = {}
    mapped: dict[str, Any] = {}
    for name, decl in program.responses.items():
        if name in ("numAttempts", "duration"):
            continue
        limit = limits.get(name, 0)
        correct[name] = decl.correct
        best = None
        if decl.mapping is not None:
            best = _best_mapping(decl.mapping, decl, limit)
        elif decl.area_mapping is not None:
            best = _best_area(decl.area_mapping, decl, limit)
        mapped[name] = best if best is not None else decl.correct
    return [correct, mapped]


def max_score(program: ItemProgram, limits: dict[str, int], manual: bool) -> float:
    """The item's maximum score (see module docstring); ``limits``: maxChoices per response.

    Response processing that fails on an unanswered item or on its keyed responses (an
    operator given a value of the wrong type) raises ``QtiRuntimeError`` here, at import,
    instead of failing later on a student's submission.
    """
    runs = [program.run({})]
    runs += [program.run(responses) for responses in candidates(program, limits)]
    if program.declares("MAXSCORE"):
        declared = [_number(state.get("MAXSCORE")) for state in runs]
        declared.append(_number(program.outcomes["MAXSCORE"].default))
        known = [value for value in declared if value is not None]
        if known:
            return max(max(known), 0.0)
    score = program.outcomes.get("SCORE")
    if score is not None and score.normal_maximum is not None:
        return max(score.normal_maximum, 0.0)
    scores = [_number(state.get("SCORE")) for state in runs]
    best = max((value for value in scores if value is not None), default=0.0)
    if best <= 0.0 and manual:
        return 1.0
    return max(best, 0.0)
