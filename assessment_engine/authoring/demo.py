"""Batch grading behind ``assessment-engine demo``: grade every student's answers to an exam.

Pure apart from reading the responses file: `load_responses` validates the batch,
`grade_batch` calls ``grading.submission.grade_submission`` once per student (the same code the
workers and the Lambda function run) and summarises per student and per question. Rendering
(rich tables, progress, the PNG plot) stays in `authoring.cli`.

Responses file (``examples/sample_responses.json``)::

    {"students": [{"student_id": "s001", "name": "Aisha", "answers": {"<question id>": ...}}]}

Answers follow the public response contract (choice: list of option texts; truefalse: boolean;
shortanswer/numerical: string; matching: object stem -> choice; ordering: list; cloze: object).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from assessment_engine.authoring.errors import AuthoringError
from assessment_engine.grading.models import Question


class StudentAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    student_id: str = Field(min_length=1)
    name: str = ""
    answers: dict[str, JsonValue] = Field(default_factory=dict)


class ResponseBatch(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    students: tuple[StudentAnswers, ...]


class ResponsesFileError(AuthoringError):
    """The responses file is unreadable, not JSON, or not a batch of student answers."""


@dataclass(frozen=True)
class StudentResult:
    student_id: str
    name: str
    score: float
    max_score: float
    pending_manual: tuple[str, ...]
    invalid: tuple[str, ...]
    unanswered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class QuestionStat:
    question_id: str
    question_type: str
    answered: int
    invalid: int
    pending_manual: int
    facility: float | None  # mean fraction over all students; None when hand-marked


@dataclass(frozen=True)
class BatchReport:
    students: tuple[StudentResult, ...]
    questions: tuple[QuestionStat, ...]


def load_responses(path: Path) -> ResponseBatch:
    """Read and validate a responses file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ResponseBatch.model_validate(data)
    except OSError as exc:
        raise ResponsesFileError(f"{path}: cannot read ({exc.strerror})") from exc
    except (ValueError, ValidationError) as exc:
        raise ResponsesFileError(f"{path}: not a batch of student answers: {exc}") from exc


def grade_batch(
    questions: Sequence[Question],
    batch: ResponseBatch,
    on_student: Callable[[StudentResult], None] = lambda _: None,
) -> BatchReport:
    """Grade every student with ``grade_submission``; ``on_student`` reports progress."""
    from assessment_engine.grading.submission import grade_submission

    by_id = {q.id: q for q in questions}
    order = [q.id for q in questions]
    fractions: dict[str, list[float]] = {qid: [] for qid in order}
    answered = dict.fromkeys(order, 0)
    invalid = dict.fromkeys(order, 0)
    pending = dict.fromkeys(order, 0)
    results: list[StudentResult] = []
    for student in batch.students:
        graded = grade_submission(by_id, student.answers, order)
        manual = tuple(g.question_id for g in graded.grades if g.status == "needs_manual_grading")
        for g in graded.grades:
            fractions[g.question_id].append(g.score / g.max_score if g.max_score else 0.0)
            answered[g.question_id] += student.answers.get(g.question_id) is not None
            invalid[g.question_id] += g.question_id in graded.invalid
            pending[g.question_id] += g.question_id in manual
        result = StudentResult(
            student_id=student.student_id,
            name=student.name,
            score=graded.total,
            max_score=graded.max_total,
            pending_manual=manual,
            invalid=graded.invalid,
            unanswered=len(graded.unanswered),
        )
        results.append(result)
        on_student(result)
    stats = []
    for qid in order:
        q = by_id[qid]
        if q.type == "description":
            continue
        hand_marked = q.type == "essay"
        values = fractions[qid]
        facility = None if hand_marked or not values else math.fsum(values) / len(values)
        stats.append(QuestionStat(qid, q.type, answered[qid], invalid[qid], pending[qid], facility))
    return BatchReport(students=tuple(results), questions=tuple(stats))
