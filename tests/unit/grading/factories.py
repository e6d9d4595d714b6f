"""Small builders for questions used across the grading tests."""

from __future__ import annotations

from typing import Any

from assessment_engine.grading.models import (
    Choice,
    MultipleChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    ShortAnswerQuestion,
    TextAnswer,
)


def mc(*choices: tuple[str, float], single: bool = True, **kw: Any) -> MultipleChoiceQuestion:
    return MultipleChoiceQuestion(
        id=kw.pop("id", "mc"),
        text="Pick",
        single=single,
        choices=tuple(Choice(text=t, fraction=f, feedback=f"fb-{t}") for t, f in choices),
        **kw,
    )


def sa(*answers: tuple[str, float], **kw: Any) -> ShortAnswerQuestion:
    return ShortAnswerQuestion(
        id=kw.pop("id", "sa"),
        text="Type",
        answers=tuple(TextAnswer(pattern=p, fraction=f) for p, f in answers),
        **kw,
    )


def num(*answers: dict[str, Any], **kw: Any) -> NumericalQuestion:
    return NumericalQuestion(
        id=kw.pop("id", "num"),
        text="How much?",
        answers=tuple(NumericalAnswer(**a) for a in answers),
        **kw,
    )
