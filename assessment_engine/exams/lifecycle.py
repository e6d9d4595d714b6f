"""Attempt lifecycle rules: start, pause/resume/extend/terminate, answer and submit checks.

Pure transitions ``(exam, attempt, now, ...) -> attempt`` or a check that raises an
``assessment_engine.exams.errors`` error. The API and the auto-submit sweeper call these, then
store the returned attempt; no rule here reads a clock or touches Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assessment_engine.exams.errors import (
    AlreadySubmittedError,
    AttemptNotActiveError,
    DeadlinePassedError,
    ExamNotOpenError,
    ForbiddenError,
)
from assessment_engine.exams.models import Attempt, Exam, Pause
from assessment_engine.exams.selection import select_questions
from assessment_engine.exams.timing import attempt_deadline, final_instant, submission_window


def start_attempt(
    exam: Exam, student_id: str, attempt_id: str, seed: int, now: datetime
) -> Attempt:
    """A new attempt if the student is on the roster and the window is open at ``now``."""
    if not exam.on_roster(student_id):
        raise ForbiddenError("you are not on the roster of this exam", {"exam_id": exam.exam_id})
    if now < exam.timing.opens_at:
        raise ExamNotOpenError(
            "the exam is not open yet", {"opens_at": exam.timing.opens_at.isoformat()}
        )
    if now >= exam.timing.closes_at:
        raise ExamNotOpenError(
            "the exam is closed", {"closes_at": exam.timing.closes_at.isoformat()}
        )
    return Attempt(
        attempt_id=attempt_id,
        exam_id=exam.exam_id,
        student_id=student_id,
        seed=seed,
        question_ids=select_questions(
            exam.question_ids, exam.pools, seed, shuffle=exam.shuffle_questions
        ),
        started_at=now,
        key_version=exam.key_version,
    )


def deadline_of(exam: Exam, attempt: Attempt, now: datetime) -> datetime:
    """The attempt's deadline at ``now`` with the student's current accommodation."""
    return attempt_deadline(exam.timing, attempt, exam.accommodation_for(attempt.student_id), now)


def _require_running(attempt: Attempt) -> None:
    if attempt.finished:
        raise AlreadySubmittedError(
            "the attempt is already finished",
            {"status": attempt.status, "submission_id": attempt.submission_id},
        )


def pause(attempt: Attempt, now: datetime) -> Attempt:
    _require_running(attempt)
    if attempt.status == "paused":
        raise AttemptNotActiveError("the attempt is already paused", {"status": attempt.status})
    return attempt.model_copy(
        update={"status": "paused", "pauses": (*attempt.pauses, Pause(started_at=now))}
    )


def resume(attempt: Attempt, now: datetime) -> Attempt:
    _require_running(attempt)
    if attempt.status != "paused":
        raise AttemptNotActiveError("the attempt is not paused", {"status": attempt.status})
    last = attempt.pauses[-1].model_copy(update={"ended_at": now})
    return attempt.model_copy(
        update={"status": "in_progress", "pauses": (*attempt.pauses[:-1], last)}
    )


def extend(attempt: Attempt, seconds: int) -> Attempt:
    _require_running(attempt)
    return attempt.model_copy(update={"extension_seconds": attempt.extension_seconds + seconds})


@dataclass(frozen=True)
class SubmitPlan:
    """How a submit is recorded: the instant it counts at and whether it is late."""

    submitted_at: datetime
    late: bool
    auto: bool


def check_answerable(exam: Exam, attempt: Attempt, now: datetime) -> None:
    """Autosave is allowed while the attempt runs, up to the end of the grace period."""
    _require_running(attempt)
    if attempt.status == "paused":
        raise AttemptNotActiveError("the attempt is paused by a proctor", {"status": "paused"})
    deadline = deadline_of(exam, attempt, now)
    if submission_window(deadline, exam.timing.grace_seconds, now) == "closed":
        raise DeadlinePassedError("the deadline has passed", {"deadline": deadline.isoformat()})


def plan_submit(exam: Exam, attempt: Attempt, now: datetime) -> SubmitPlan:
    """A student's submit at ``now``: on time, late within grace, or refused after it."""
    check_answerable(exam, attempt, now)
    deadline = deadline_of(exam, attempt, now)
    late = submission_window(deadline, exam.timing.grace_seconds, now) == "grace"
    return SubmitPlan(submitted_at=now, late=late, auto=False)


def auto_submit_due(exam: Exam, attempt: Attempt, now: datetime) -> SubmitPlan | None:
    """The server's submit of a running attempt whose grace is over, dated at the deadline."""
    if attempt.status != "in_progress":
        return None
    deadline = deadline_of(exam, attempt, now)
    if now <= final_instant(deadline, exam.timing.grace_seconds):
        return None
    return SubmitPlan(submitted_at=deadline, late=False, auto=True)


def terminate_plan(attempt: Attempt, now: datetime) -> SubmitPlan:
    """A proctor's termination submits the last saved answers, dated at ``now``."""
    _require_running(attempt)
    return SubmitPlan(submitted_at=now, late=False, auto=True)


def record_submit(
    attempt: Attempt,
    plan: SubmitPlan,
    *,
    submission_id: str,
    received_at: datetime,
    idempotency_key: str,
    terminated: bool = False,
) -> Attempt:
    """The attempt after its submission was durably accepted."""
    pauses = attempt.pauses
    if attempt.paused_at is not None:
        pauses = (*pauses[:-1], pauses[-1].model_copy(update={"ended_at": plan.submitted_at}))
    return attempt.model_copy(
        update={
            "status": "terminated" if terminated else "submitted",
            "pauses": pauses,
            "submitted_at": plan.submitted_at,
            "late": plan.late,
            "auto_submitted": plan.auto,
            "submission_id": submission_id,
            "received_at": received_at,
            "idempotency_key": idempotency_key,
        }
    )
