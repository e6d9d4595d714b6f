"""Who owns an exam and who sits it: read from the assessment engine's exam store (same Redis).

Called by analytics and notifications to authorise proctors, and by notifications before it
counts a student present on an exam. Domain events carry no owner, so the owner is resolved
from the exam definition (``Exam.owner``, the proctor's subject id) via
``assessment_engine.storage.exams``; a student sits an exam when on its roster or holding an
attempt of it (``assessment_engine.storage.attempts.attempts_index``).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from assessment_engine.exams.errors import NotFoundError
from assessment_engine.storage.attempts import attempts_index
from assessment_engine.storage.exams import get_exam


@dataclass(frozen=True)
class ExamOwnership:
    exam_id: str
    owner: str
    org: str


async def exam_ownership(redis: aioredis.Redis, exam_id: str) -> ExamOwnership | None:
    """The exam's owner and organisation, or None if the exam is unknown."""
    try:
        exam = await get_exam(redis, exam_id)
    except NotFoundError:
        return None
    return ExamOwnership(exam_id=exam.exam_id, owner=exam.owner, org=exam.org)


async def sits_exam(redis: aioredis.Redis, exam_id: str, student_id: str) -> bool | None:
    """True if the student is on the exam's roster or has an attempt; None if no such exam."""
    try:
        exam = await get_exam(redis, exam_id)
    except NotFoundError:
        return None
    if exam.on_roster(student_id):
        return True
    return bool(await redis.sismember(attempts_index(exam_id), student_id))
