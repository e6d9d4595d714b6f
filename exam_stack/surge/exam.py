"""The surge run's exam: the SCI-101 objective questions (GIFT) plus Python programming
questions, as one JSON bank, with reference solutions the simulated students may type."""

from __future__ import annotations

from pathlib import Path

from assessment_engine.authoring.bank import dump_bank
from assessment_engine.authoring.gift import parse_gift
from assessment_engine.grading.models import CodeLimits, CodeQuestion, CodeTestCase, Question

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DIGIT_SUM = CodeQuestion(
    id="code-digit-sum",
    title="Digit sum",
    text="Read an integer n from standard input and print the sum of its decimal digits.",
    points=2.0,
    tests=tuple(
        CodeTestCase(
            name=f"case-{i}",
            stdin=f"{n}\n",
            expected_stdout=str(sum(map(int, str(n)))),
            hidden=i >= 3,
        )
        for i, n in enumerate([0, 7, 1234, 99999, 10**12 + 7, 5050])
    ),
    limits=CodeLimits(cpu_seconds=1.0, wall_seconds=3.0, memory_mb=128),
)

IS_PRIME = CodeQuestion(
    id="code-is-prime",
    title="Primality",
    text="Define is_prime(n) returning True when the integer n is prime.",
    points=3.0,
    tests=tuple(
        CodeTestCase(
            name=f"is_prime({n})", call=f"is_prime({n})", expected_value=expected, hidden=n > 50
        )
        for n, expected in [
            (1, False),
            (2, True),
            (9, False),
            (17, True),
            (91, False),
            (7919, True),
            (1_000_003, True),
        ]
    ),
    limits=CodeLimits(cpu_seconds=1.0, wall_seconds=3.0, memory_mb=128),
)

SOLUTIONS = {
    DIGIT_SUM.id: "n = input().strip()\nprint(sum(int(c) for c in n))\n",
    IS_PRIME.id: (
        "def is_prime(n):\n"
        "    if n < 2:\n        return False\n"
        "    i = 2\n"
        "    while i * i <= n:\n"
        "        if n % i == 0:\n            return False\n"
        "        i += 1\n"
        "    return True\n"
    ),
}


def surge_questions(include_code: bool = True) -> list[Question]:
    questions: list[Question] = list(parse_gift((EXAMPLES / "sample_exam.gift").read_text()))
    if include_code:
        questions += [DIGIT_SUM, IS_PRIME]
    return questions


def surge_bank(include_code: bool = True) -> str:
    return dump_bank(surge_questions(include_code))
