"""Plausible student answers for any question, generated from the question itself (pure).

The surge run's simulated students know the bank they were examined on (the load generator
created the exam), so each answer is right with probability ``skill`` and otherwise a typical
wrong or partial answer. Deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random
from typing import Any

from assessment_engine.grading.models import (
    ClozeQuestion,
    CodeQuestion,
    EssayQuestion,
    FormulaQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericalQuestion,
    OrderingQuestion,
    Question,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)

JsonValue = Any


def _choice(q: MultipleChoiceQuestion, right: bool, rng: random.Random) -> list[str]:
    if q.single:
        best = max(q.choices, key=lambda c: c.fraction)
        others = [c for c in q.choices if c is not best]
        return [best.text if right or not others else rng.choice(others).text]
    good = [c.text for c in q.choices if c.fraction > 0]
    if right:
        return good
    return sorted(rng.sample([c.text for c in q.choices], k=min(2, len(q.choices))))


def _short(q: ShortAnswerQuestion, right: bool) -> str:
    best = max(q.answers, key=lambda a: a.fraction)
    if right and best.fraction > 0:
        return best.pattern.replace("\\*", "\0").replace("*", "x").replace("\0", "*")
    return "I am not sure"


def _numerical(q: NumericalQuestion, right: bool) -> str:
    exact = [a for a in q.answers if a.value is not None]
    if not exact:
        return "0"
    best = max(exact, key=lambda a: a.fraction)
    assert best.value is not None
    value = best.value if right else best.value * 2 + 1
    unit = f" {q.units[0].name}" if q.units and q.unit_handling == "required" else ""
    return f"{value:g}{unit}"


def _matching(q: MatchingQuestion, right: bool, rng: random.Random) -> dict[str, str]:
    rights = [p.right for p in q.pairs]
    if not right:
        rng.shuffle(rights)
    return {p.left: r for p, r in zip(q.pairs, rights, strict=True)}


def _ordering(q: OrderingQuestion, right: bool) -> list[str]:
    return list(q.items) if right else list(reversed(q.items))


CODE_WRONG = "def solve(*args):\n    return None\nprint(input())\n"


def answer_for(
    question: Question,
    skill: float,
    rng: random.Random,
    code_solutions: dict[str, str] | None = None,
) -> JsonValue:
    """One student's answer to ``question``; ``None`` means the student leaves it blank."""
    right = rng.random() < skill
    match question:
        case MultipleChoiceQuestion():
            return _choice(question, right, rng)
        case TrueFalseQuestion():
            return question.answer if right else not question.answer
        case ShortAnswerQuestion():
            return _short(question, right)
        case NumericalQuestion():
            return _numerical(question, right)
        case MatchingQuestion():
            return _matching(question, right, rng)
        case OrderingQuestion():
            return _ordering(question, right)
        case ClozeQuestion():
            return {
                str(i): answer_for(blank.question, skill, rng)
                for i, blank in enumerate(question.blanks, start=1)
            }
        case FormulaQuestion():
            return question.expected if right else f"({question.expected})+1"
        case EssayQuestion():
            return "A short essay answer written under time pressure."
        case CodeQuestion():
            solution = (code_solutions or {}).get(question.id)
            return solution if right and solution else CODE_WRONG
        case _:
            return None
