"""The mixed exam of the browser tests: every question type the engine grades, one each."""

from __future__ import annotations

from assessment_engine.authoring.bank import dump_bank
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.grading.models import (
    ClozeBlank,
    ClozeQuestion,
    FormulaQuestion,
    NumericalAnswer,
    NumericalQuestion,
    OrderingQuestion,
    Question,
    ShortAnswerQuestion,
    TextAnswer,
    Unit,
    VariableRange,
)
from exam_stack.surge.exam import DIGIT_SUM, SOLUTIONS

GIFT = """

::intro::[html]<p>Answer every question. Units follow SI.</p>

::capital::Which city is the capital of France?{=Paris ~London ~Berlin}

::primes::Which of these numbers are prime?{~%50%2 ~%50%3 ~%-100%4}

::orbit::The Earth orbits the Sun.{T}

::planet::Name the largest planet of the solar system.{=Jupiter}

::sum::What is 2 + 2?{#4:0}

::capitals::Match the countries to their capitals.{=France -> Paris =Italy -> Rome =Spain -> Madrid}

::essay::Describe the water cycle in a few sentences.{}
"""

PLANETS = ("Mercury", "Venus", "Earth", "Mars")


def mixed_questions() -> list[Question]:
    questions: list[Question] = list(parse_gift(GIFT))
    questions += [
        OrderingQuestion(
            id="order",
            title="order",
            text="Order the planets from the Sun outwards.",
            items=PLANETS,
        ),
        FormulaQuestion(
            id="area",
            title="area",
            text="The area of a circle of radius r?",
            expected="pi*r^2",
            variables={"r": VariableRange(low=1, high=5)},
        ),
        NumericalQuestion(
            id="gravity",
            title="gravity",
            text="Standard gravity at the Earth's surface?",
            answers=(NumericalAnswer(value=9.81, tolerance=0.01, fraction=1.0),),
            units=(Unit(name="m/s^2"), Unit(name="cm/s^2", multiplier=100)),
            unit_handling="required",
        ),
        ClozeQuestion(
            id="water",
            title="water",
            text="Water is {#1}; at sea level it boils at {#2} °C.",
            blanks=(
                ClozeBlank(
                    question=ShortAnswerQuestion(
                        id="w1", text="", answers=(TextAnswer(pattern="H2O", fraction=1.0),)
                    )
                ),
                ClozeBlank(
                    question=NumericalQuestion(
                        id="w2", text="", answers=(NumericalAnswer(value=100, fraction=1.0),)
                    )
                ),
            ),
        ),
        DIGIT_SUM.model_copy(update={"title": "digits"}),
    ]
    return questions


def mixed_bank() -> str:
    return dump_bank(mixed_questions())


CODE = SOLUTIONS[DIGIT_SUM.id]
EXPECTED = {
    "capital": ["Paris"],
    "primes": ["2", "3"],
    "orbit": True,
    "planet": "Jupiter",
    "sum": "4",
    "capitals": {"France": "Paris", "Italy": "Rome", "Spain": "Madrid"},
    "order": list(PLANETS),
    "area": "pi*r^2",
    "gravity": "9.81 m/s^2",
    "water": {"1": "H2O", "2": "100"},
    DIGIT_SUM.id: CODE,
}
