"""The benchmark's QTI workload: published items graded by the interpreter.

A choice / text-entry / match mix (the issue's aim: 20,000 gradings/s/core) from the
conformance fixtures (``tests/fixtures/qti``): single choice and inline choice
(``match_correct``), multiple response and text entry (``map_response``), directed-pair match
(``map_response``), plus one item with custom response processing over four interactions
(``multi-input``), reported on its own. Responses are drawn with a fixed seed: right, partly
right and wrong, in the shapes the API stores.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from pydantic import JsonValue

from assessment_engine.authoring.qti import parse_qti
from assessment_engine.grading import grade
from assessment_engine.grading.models import Question

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "qti" / "qti-sdk"
MIX: dict[str, list[JsonValue]] = {
    "choice.xml": [{"RESPONSE": "ChoiceA"}, {"RESPONSE": "ChoiceB"}, {"RESPONSE": "ChoiceC"}],
    "inline_choice.xml": [{"RESPONSE": "Y"}, {"RESPONSE": "G"}],
    "choice_multiple.xml": [
        {"RESPONSE": ["H", "O"]},
        {"RESPONSE": ["H", "Cl", "N"]},
        {"RESPONSE": ["O"]},
    ],
    "text_entry.xml": [{"RESPONSE": "York"}, {"RESPONSE": "york"}, {"RESPONSE": "Leeds"}],
    "match.xml": [
        {"RESPONSE": [["C", "R"], ["D", "M"], ["L", "M"], ["P", "T"]]},
        {"RESPONSE": [["C", "M"], ["P", "T"]]},
    ],
}
CUSTOM: dict[str, list[JsonValue]] = {
    "multi-input.xml": [
        {
            "RESPONSE1": "ChoiceA",
            "RESPONSE2": "A2",
            "RESPONSE3": "wicked king",
            "RESPONSE4": [["F", "G1"], ["C", "G2"], ["H", "G3"]],
        },
        {"RESPONSE1": "ChoiceB", "RESPONSE2": "B2", "RESPONSE3": "the King"},
    ]
}


def _items(table: dict[str, list[JsonValue]]) -> list[tuple[Question, list[JsonValue]]]:
    return [
        (parse_qti((FIXTURES / name).read_bytes())[0], responses)
        for name, responses in table.items()
    ]


def workload(count: int, custom: bool = False, seed: int = 7) -> list[tuple[Question, JsonValue]]:
    """``count`` (question, response) pairs cycling through the mix (or the custom item)."""
    items = _items(CUSTOM if custom else MIX)
    rng = random.Random(seed)
    return [
        (question, rng.choice(responses))
        for question, responses in (items[i % len(items)] for i in range(count))
    ]


def cases(n: int) -> dict[str, Callable[[], int]]:
    """The benchmark cases of the QTI workload (names as they appear in RESULTS.md)."""
    mix = workload(n)
    custom = workload(max(n // 5, 100), custom=True)

    def run(pairs: list[tuple[Question, JsonValue]]) -> Callable[[], int]:
        def work() -> int:
            for question, response in pairs:
                grade(question, response)
            return len(pairs)

        return work

    return {
        "grade(): QTI interpreted, choice/text-entry/match mix": run(mix),
        "grade(): QTI interpreted, custom rules over 4 interactions": run(custom),
    }
