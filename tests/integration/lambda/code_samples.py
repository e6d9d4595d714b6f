"""Code questions and solutions shared by the grading-function and dispatcher tests.

A stdin/stdout question and a function-call question, each with visible and hidden tests, and
answer sets that pass, fail, raise, loop forever and leave questions unanswered. The busy loop
ends at the CPU limit, far below its wall limit, and the sleeping loop at the wall limit, using
no CPU, so neither verdict depends on machine load (and the loops cost little time).
"""

from __future__ import annotations

from typing import Any

CPU_BOUND = {"cpu_seconds": 0.5, "wall_seconds": 12.0, "memory_mb": 128}
WALL_BOUND = {"cpu_seconds": 2.0, "wall_seconds": 2.0, "memory_mb": 128}

CODE_QUESTIONS: dict[str, dict[str, Any]] = {
    "add": {
        "type": "code",
        "id": "add",
        "text": "Read two integers from one line of input and print their sum.",
        "points": 2,
        "limits": CPU_BOUND,
        "tests": [
            {"name": "small", "stdin": "1 2\n", "expected_stdout": "3"},
            {
                "name": "big",
                "stdin": "123456789012 987654321098\n",
                "expected_stdout": "1111111110110",
                "hidden": True,
                "weight": 2,
            },
        ],
    },
    "fib": {
        "type": "code",
        "id": "fib",
        "text": "Define fib(n) returning the n-th Fibonacci number (fib(0) = 0).",
        "points": 3,
        "limits": WALL_BOUND,
        "tests": [
            {"name": "fib(0)", "call": "fib(0)", "expected_value": 0},
            {"name": "fib(10)", "call": "fib(10)", "expected_value": 55},
            {"name": "fib(30)", "call": "fib(30)", "expected_value": 832040, "hidden": True},
        ],
    },
    "tf": {"type": "truefalse", "id": "tf", "text": "Python is interpreted.", "answer": True},
}

ADD_OK = "a, b = map(int, input().split())\nprint(a + b)\n"
ADD_WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
FIB_OK = (
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n"
)
FIB_WRONG = "def fib(n):\n    return n * (n - 1)\n"
FIB_RAISES = "def fib(n):\n    return [0, 1][n]\n"
BUSY_LOOP = "while True:\n    pass\n"
FIB_SLEEPS = "import time\n\ndef fib(n):\n    while True:\n        time.sleep(0.05)\n"

CODE_ANSWER_SETS: list[dict[str, Any]] = [
    {"add": ADD_OK, "fib": FIB_OK, "tf": True},  # full marks
    {"add": ADD_WRONG, "fib": FIB_WRONG, "tf": False},  # wrong answers
    {"add": BUSY_LOOP, "fib": FIB_SLEEPS, "tf": True},  # infinite loops: time limits
    {"add": ADD_OK, "fib": FIB_RAISES},  # a runtime error with a traceback, one unanswered
]


def code_item(
    submission_id: str, answers: dict[str, Any], exam_id: str = "exam-code"
) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "exam_id": exam_id,
        "key_version": 1,
        "question_ids": list(CODE_QUESTIONS),
        "answers": answers,
        "questions": CODE_QUESTIONS,
    }
