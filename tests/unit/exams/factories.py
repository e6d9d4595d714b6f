"""Small builders of exams and attempts for the pure-rule tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from assessment_engine.exams.models import Attempt, Exam, ExamTiming

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def make_exam(**overrides: Any) -> Exam:
    timing = overrides.pop(
        "timing",
        ExamTiming(
            opens_at=T0,
            closes_at=T0 + timedelta(hours=3),
            time_limit_seconds=3600,
            grace_seconds=60,
            display_timezone="Europe/Berlin",
        ),
    )
    fields: dict[str, Any] = {
        "exam_id": "e1",
        "title": "Physics",
        "owner": "proctor-1",
        "created_at": T0 - timedelta(days=1),
        "timing": timing,
        "question_ids": ("q1", "q2", "q3", "q4"),
        "roster": ("s1", "s2"),
    }
    fields.update(overrides)
    return Exam(**fields)


def make_attempt(started_at: datetime = T0, **overrides: Any) -> Attempt:
    fields: dict[str, Any] = {
        "attempt_id": "a1",
        "exam_id": "e1",
        "student_id": "s1",
        "seed": 42,
        "question_ids": ("q1", "q2"),
        "started_at": started_at,
    }
    fields.update(overrides)
    return Attempt(**fields)
