"""Sample questions and submissions shared by the grading-function and dispatcher tests."""

from __future__ import annotations

from typing import Any

QUESTIONS: dict[str, dict[str, Any]] = {
    "tf": {
        "type": "truefalse",
        "id": "tf",
        "text": "The sky is blue.",
        "answer": True,
        "points": 2,
    },
    "sa": {
        "type": "shortanswer",
        "id": "sa",
        "text": "Capital of France?",
        "answers": [{"pattern": "Paris", "fraction": 1.0}, {"pattern": "Par*", "fraction": 0.5}],
    },
    "num": {
        "type": "numerical",
        "id": "num",
        "text": "pi to 2 places",
        "points": 3,
        "answers": [{"value": 3.14, "tolerance": 0.01, "fraction": 1.0}],
    },
    "mc": {
        "type": "multichoice",
        "id": "mc",
        "text": "Pick primes",
        "single": False,
        "choices": [
            {"text": "2", "fraction": 0.5},
            {"text": "3", "fraction": 0.5},
            {"text": "4", "fraction": -1.0},
        ],
    },
    "ord": {"type": "ordering", "id": "ord", "text": "Order", "items": ["a", "b", "c", "d"]},
}

ANSWER_SETS: list[dict[str, Any]] = [
    {"tf": True, "sa": "paris", "num": 3.141, "mc": ["2", "3"], "ord": ["a", "b", "c", "d"]},
    {"tf": False, "sa": "Parthenon", "num": 3.3, "mc": ["2", "4"], "ord": ["b", "a", "c", "d"]},
    {"tf": True, "sa": "London", "mc": ["3"]},
    {"tf": "maybe", "sa": 42, "num": "abc", "ord": ["d", "c", "b", "a"]},
    {},
]


def item(submission_id: str, answers: dict[str, Any], key_version: int = 1) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "exam_id": "exam-1",
        "key_version": key_version,
        "question_ids": list(QUESTIONS),
        "answers": answers,
        "questions": QUESTIONS,
    }
