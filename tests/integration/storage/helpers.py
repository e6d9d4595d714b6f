"""Builders shared by the storage and worker integration tests: a question bank, submissions."""

from __future__ import annotations

import uuid
from typing import Any

import redis.asyncio as aioredis

from assessment_engine.grading.models import (
    Choice,
    MultipleChoiceQuestion,
    Question,
    TrueFalseQuestion,
)
from assessment_engine.grading.submission import SubmissionGrade, grade_submission
from assessment_engine.storage.models import GradingWork, NewSubmission
from assessment_engine.storage.questions import save_questions


def bank(key_version: int = 1) -> list[Question]:
    return [
        TrueFalseQuestion(id="q1", text="The sky is blue.", answer=True, key_version=key_version),
        MultipleChoiceQuestion(
            id="q2",
            text="2 + 2 = ?",
            single=True,
            points=2.0,
            key_version=key_version,
            choices=(
                Choice(text="4", fraction=1.0 if key_version == 1 else 0.0),
                Choice(text="5", fraction=0.0 if key_version == 1 else 1.0),
            ),
        ),
    ]


def new_exam_id() -> str:
    return f"exam-{uuid.uuid4().hex[:8]}"


async def exam_with_bank(redis: aioredis.Redis, key_versions: tuple[int, ...] = (1,)) -> str:
    exam_id = new_exam_id()
    for kv in key_versions:
        await save_questions(redis, exam_id, kv, bank(kv))
    return exam_id


def submission(exam_id: str, student: str = "s1", key: str = "k1", **over: Any) -> NewSubmission:
    values: dict[str, Any] = {
        "exam_id": exam_id,
        "attempt_id": f"att-{student}",
        "student_id": student,
        "idempotency_key": key,
        "answers": {"q1": True, "q2": ["4"]},
        "question_ids": ["q2", "q1"],
        "key_version": 1,
    }
    values.update(over)
    return NewSubmission(**values)


def grade(work: GradingWork) -> SubmissionGrade:
    return grade_submission(work.questions, work.answers, work.question_ids)
