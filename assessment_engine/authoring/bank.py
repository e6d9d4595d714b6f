"""JSON question banks: ``parse_bank(text) -> list[Question]`` and ``dump_bank(questions)``.

A bank is a JSON list of question objects in the shape of `grading.models` (discriminated by
``type``), or an object ``{"questions": [...]}``. Called by `authoring.detect`, the CLI and
the API. Errors name the question (index and id) and the field path, and are raised together:
every invalid question of a bank is reported, never just the first. Ids must be unique.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assessment_engine.authoring.errors import BankError
from assessment_engine.grading.models import Question

_QUESTION: TypeAdapter[Question] = TypeAdapter(Question)
_MAX_REPORTED = 50


def _describe(index: int, item: object, exc: ValidationError) -> list[str]:
    qid = item.get("id") if isinstance(item, dict) else None
    name = f"question {index + 1}" + (f" ({qid!r})" if isinstance(qid, str) else "")
    lines = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"]) or "(question)"
        lines.append(f"{name}: {path}: {error['msg']}")
    return lines


def questions_from_data(data: object) -> list[Question]:
    """Validate already-decoded JSON data (a list, or an object with ``questions``)."""
    if isinstance(data, dict):
        if set(data) - {"questions", "title", "description", "version"} or "questions" not in data:
            raise BankError('a bank object must have a "questions" list (and nothing unknown)')
        data = data["questions"]
    if not isinstance(data, list):
        raise BankError('a question bank is a JSON list of questions or {"questions": [...]}')
    problems: list[str] = []
    questions: list[Question] = []
    for index, item in enumerate(data):
        try:
            questions.append(_QUESTION.validate_python(item))
        except ValidationError as exc:
            problems.extend(_describe(index, item, exc))
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            problems.append(f"duplicate question id {q.id!r}")
        seen.add(q.id)
    if problems:
        shown = "\n  ".join(problems[:_MAX_REPORTED])
        more = (
            f"\n  ... and {len(problems) - _MAX_REPORTED} more"
            if len(problems) > _MAX_REPORTED
            else ""
        )
        raise BankError(f"invalid question bank ({len(problems)} problems):\n  {shown}{more}")
    return questions


def parse_bank(text: str | bytes) -> list[Question]:
    """Parse a JSON question bank; raise `BankError` with every problem found."""
    try:
        data: Any = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BankError(f"not valid JSON: {exc}") from exc
    return questions_from_data(data)


def dump_bank(questions: Iterable[Question], *, indent: int | None = 2) -> str:
    """Serialise questions as a JSON bank that `parse_bank` reads back to equal questions."""
    items = [_QUESTION.dump_python(q, mode="json") for q in questions]
    return json.dumps(items, indent=indent, ensure_ascii=False)
