"""What a student sees of a question: ``student_view(question, seed) -> dict`` (JSON-ready).

Called by the API when it hands an attempt its questions. Built from an allow-list, so no key
material can leak: no fractions, per-answer feedback, general feedback, patterns, numerical
values, matching pairs, correct order, expected formula, grader info or hidden code tests;
for QTI items only the stem and the interactions (choices, sets, gaps, hotspots, constraints),
never ``scoring_xml`` (declarations, correct responses, mappings, response processing).

Shuffles are reproducible: the same (seed, question id) always gives the same order, and
different questions of one attempt shuffle independently. Choice options are shuffled when
``shuffle`` is true (otherwise kept in authoring order). Matching stems and right-side choices
(with distractors, duplicates removed) are shuffled when ``shuffle`` is true and otherwise
sorted, because authoring order would pair stems with their answers. Ordering items are always
shuffled, and never left in the correct order when another order exists. QTI interactions
with ``shuffle`` permute their choices (and a match's second set) except ``fixed`` ones.
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
    QtiChoice,
    QtiInteraction,
    QtiQuestion,
    Question,
    ShortAnswerQuestion,
)


def _rng(seed: int, question_id: str, salt: str = "") -> random.Random:
    # String seeds are hashed with SHA-512 by ``random``: stable across processes and versions.
    return random.Random(f"{seed}:{question_id}:{salt}")


def _shuffled(items: list[str], rng: random.Random) -> list[str]:
    items = list(items)
    rng.shuffle(items)
    return items


def _choice_options(question: MultipleChoiceQuestion, rng: random.Random) -> list[str]:
    texts = [choice.text for choice in question.choices]
    return _shuffled(texts, rng) if question.shuffle else texts


def _ordering_items(question: OrderingQuestion, rng: random.Random) -> list[str]:
    correct = list(question.items)
    items = _shuffled(correct, rng)
    if items == correct and len(set(correct)) > 1:
        # Rotate by one: a different order, still decided by the seed alone.
        items = items[1:] + items[:1]
    return items


def _matching(question: MatchingQuestion, rng: random.Random) -> dict[str, Any]:
    stems = list(dict.fromkeys(pair.left for pair in question.pairs))
    choices = list(dict.fromkeys([*(pair.right for pair in question.pairs), *question.distractors]))
    if question.shuffle:
        return {"stems": _shuffled(stems, rng), "choices": _shuffled(choices, rng)}
    return {"stems": stems, "choices": sorted(choices)}


def _cloze(question: ClozeQuestion, seed: int) -> dict[str, Any]:
    blanks = []
    for number, blank in enumerate(question.blanks, start=1):
        sub = blank.question
        entry: dict[str, Any] = {"blank": str(number), "kind": sub.type, "weight": blank.weight}
        if isinstance(sub, MultipleChoiceQuestion):
            entry["single"] = sub.single
            entry["options"] = _choice_options(sub, _rng(seed, question.id, f"blank{number}"))
        elif isinstance(sub, NumericalQuestion) and sub.unit_handling != "none":
            entry["units"] = [unit.name for unit in sub.units]
        blanks.append(entry)
    return {"blanks": blanks}


def _code(question: CodeQuestion) -> dict[str, Any]:
    visible = [
        {
            "name": test.name,
            "stdin": test.stdin,
            "expected_stdout": test.expected_stdout,
            "call": test.call,
            "expected_value": test.expected_value,
        }
        for test in question.tests
        if not test.hidden
    ]
    return {
        "language": question.language,
        "starter_code": question.starter_code,
        "limits": question.limits.model_dump(mode="json"),
        "visible_tests": visible,
    }


def _shuffle_unfixed(choices: tuple[QtiChoice, ...], rng: random.Random) -> list[QtiChoice]:
    """QTI shuffling: choices marked ``fixed`` keep their place, the others are permuted."""
    movable = [c for c in choices if not c.fixed]
    rng.shuffle(movable)
    it = iter(movable)
    return [c if c.fixed else next(it) for c in choices]


def _qti_interaction(interaction: QtiInteraction, rng: random.Random) -> dict[str, Any]:
    view = interaction.model_dump(mode="json")
    if interaction.shuffle:
        for name in ("choices", "targets"):
            if name == "targets" and interaction.kind != "match":
                continue  # gaps and hotspots have fixed places
            shuffled = _shuffle_unfixed(getattr(interaction, name), rng)
            view[name] = [c.model_dump(mode="json") for c in shuffled]
    return view


def _qti(question: QtiQuestion, seed: int) -> dict[str, Any]:
    interactions = [
        _qti_interaction(i, _rng(seed, question.id, i.response_identifier))
        for i in question.interactions
    ]
    return {"qti_version": question.qti_version, "interactions": interactions}


def _specific(question: Question, seed: int) -> dict[str, Any]:
    rng = _rng(seed, question.id)
    if isinstance(question, MultipleChoiceQuestion):
        return {"single": question.single, "options": _choice_options(question, rng)}
    if isinstance(question, MatchingQuestion):
        return _matching(question, rng)
    if isinstance(question, OrderingQuestion):
        return {"items": _ordering_items(question, rng)}
    if isinstance(question, NumericalQuestion):
        units = [unit.name for unit in question.units] if question.unit_handling != "none" else []
        return {"unit_handling": question.unit_handling, "units": units}
    if isinstance(question, ShortAnswerQuestion):
        return {}
    if isinstance(question, ClozeQuestion):
        return _cloze(question, seed)
    if isinstance(question, FormulaQuestion):
        return {
            "variables": sorted(question.variables),
            "case_insensitive": question.case_insensitive,
        }
    if isinstance(question, EssayQuestion):
        return {
            "response_format": question.response_format,
            "min_words": question.min_words,
            "max_words": question.max_words,
        }
    if isinstance(question, CodeQuestion):
        return _code(question)
    if isinstance(question, QtiQuestion):
        return _qti(question, seed)
    return {}


def student_view(question: Question, seed: int) -> dict[str, Any]:
    """The student-safe, JSON-ready rendering of ``question`` for the attempt seeded ``seed``."""
    view: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "title": question.title,
        "text": question.text,
        "text_format": question.text_format,
        "points": 0.0 if question.type == "description" else question.points,
    }
    view.update(_specific(question, seed))
    return view
