"""The benchmark's mixed objective exam: questions and a pool of student responses.

Responses are drawn with a fixed seed so every run grades the same work: right, partly right
and wrong answers in realistic shapes (what the API stores for each type).
"""

from __future__ import annotations

import random

from pydantic import JsonValue

from assessment_engine.grading.models import (
    Choice,
    ClozeBlank,
    ClozeQuestion,
    FormulaQuestion,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    OrderingQuestion,
    Question,
    ShortAnswerQuestion,
    TextAnswer,
    TrueFalseQuestion,
    Unit,
    VariableRange,
)


def objective_questions() -> list[Question]:
    """One exam of objective questions, types mixed as in a typical quiz."""
    questions: list[Question] = []
    for i in range(6):
        questions.append(
            MultipleChoiceQuestion(
                id=f"mc{i}",
                text="Pick one",
                single=True,
                choices=tuple(
                    Choice(text=f"option {k}", fraction=1.0 if k == 0 else 0.0) for k in range(4)
                ),
            )
        )
    for i in range(3):
        questions.append(
            MultipleChoiceQuestion(
                id=f"mr{i}",
                text="Pick all that apply",
                single=False,
                choices=tuple(
                    Choice(text=f"option {k}", fraction=0.5 if k < 2 else -0.5) for k in range(5)
                ),
            )
        )
    for i in range(4):
        questions.append(TrueFalseQuestion(id=f"tf{i}", text="True?", answer=i % 2 == 0))
    for i in range(4):
        questions.append(
            ShortAnswerQuestion(
                id=f"sa{i}",
                text="Capital of France?",
                answers=(
                    TextAnswer(pattern="Paris", fraction=1.0),
                    TextAnswer(pattern="*Paris*", fraction=0.5),
                    TextAnswer(pattern="*", fraction=0.0, feedback="No."),
                ),
            )
        )
    for i in range(4):
        questions.append(
            NumericalQuestion(
                id=f"nm{i}",
                text="g?",
                answers=(
                    NumericalAnswer(value=9.81, tolerance=0.01, fraction=1.0),
                    NumericalAnswer(value=10.0, tolerance=0.5, fraction=0.5),
                ),
                units=(Unit(name="m/s^2"),),
                unit_handling="optional",
            )
        )
    questions.append(
        MatchingQuestion(
            id="match",
            text="Capitals",
            pairs=tuple(MatchPair(left=f"country {k}", right=f"capital {k}") for k in range(5)),
            distractors=("capital x",),
        )
    )
    questions.append(
        OrderingQuestion(id="order", text="Order", items=tuple(f"step {k}" for k in range(5)))
    )
    questions.append(
        ClozeQuestion(
            id="cloze",
            text="{#1} {#2}",
            blanks=(
                ClozeBlank(
                    question=ShortAnswerQuestion(
                        id="c1", text="", answers=(TextAnswer(pattern="cat", fraction=1),)
                    )
                ),
                ClozeBlank(
                    question=NumericalQuestion(
                        id="c2", text="", answers=(NumericalAnswer(value=4, fraction=1),)
                    )
                ),
            ),
        )
    )
    return questions


def formula_question() -> FormulaQuestion:
    """A sampling formula question (reported separately: it evaluates 2 × 20 expressions)."""
    return FormulaQuestion(
        id="formula",
        text="Parallel resistance",
        expected="R1*R2/(R1+R2)",
        variables={"R1": VariableRange(low=1, high=10), "R2": VariableRange(low=1, high=10)},
    )


def response_for(question: Question, rng: random.Random) -> JsonValue:
    """A plausible response: right about half the time."""
    right = rng.random() < 0.5
    if isinstance(question, MultipleChoiceQuestion):
        texts = [c.text for c in question.choices]
        if question.single:
            return [texts[0] if right else rng.choice(texts)]
        return rng.sample(texts, rng.randint(0, 3))
    if isinstance(question, TrueFalseQuestion):
        return question.answer if right else rng.random() < 0.5
    if isinstance(question, ShortAnswerQuestion):
        return rng.choice(["paris", " Paris ", "Paris, France", "Lyon"])
    if isinstance(question, NumericalQuestion):
        return rng.choice(["9.81", "9.81 m/s^2", "10", "9,81", "1.2e1"])
    if isinstance(question, MatchingQuestion):
        rights = [p.right for p in question.pairs]
        return {p.left: (p.right if right else rng.choice(rights)) for p in question.pairs}
    if isinstance(question, OrderingQuestion):
        items = list(question.items)
        if not right:
            rng.shuffle(items)
        return list[JsonValue](items)
    if isinstance(question, ClozeQuestion):
        return {"1": rng.choice(["cat", "dog"]), "2": rng.choice(["4", "5"])}
    if isinstance(question, FormulaQuestion):
        return rng.choice(["1/(1/R1+1/R2)", "R1*R2/(R1+R2)", "R1+R2"])
    return None


def workload(
    questions: list[Question], count: int, seed: int = 42
) -> list[tuple[Question, JsonValue]]:
    """``count`` (question, response) pairs cycling through the exam."""
    rng = random.Random(seed)
    return [
        (q, response_for(q, rng)) for q in (questions[i % len(questions)] for i in range(count))
    ]
