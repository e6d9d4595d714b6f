"""The proctor's live roster: every student's state, time left and last autosave.

Called by ``GET /v1/exams/{exam_id}/roster``. Reads the attempts and one pipelined summary of
the autosaved answers (``storage.attempts.answer_activity``); ``roster_rows`` is the pure
mapping. It does not settle attempts (no auto-submit on read): an attempt past its grace shows
0 s left until the sweeper submits it, within ``SWEEPER_INTERVAL_SECONDS``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from assessment_engine.api.auth import Principal
from assessment_engine.api.context import AppContext
from assessment_engine.api.schemas import RosterRow, RosterState, RosterView
from assessment_engine.api.services.exams import owned_exam
from assessment_engine.exams.models import Attempt, Exam
from assessment_engine.exams.timing import attempt_clock
from assessment_engine.storage import attempts as store
from assessment_engine.storage.attempts import AnswerActivity

STATES: tuple[RosterState, ...] = (
    "not_started",
    "in_progress",
    "paused",
    "submitted",
    "auto_submitted",
    "terminated",
)


def state_of(attempt: Attempt | None) -> RosterState:
    if attempt is None:
        return "not_started"
    if attempt.status == "submitted" and attempt.auto_submitted:
        return "auto_submitted"
    return attempt.status


def roster_row(
    exam: Exam,
    student_id: str,
    attempt: Attempt | None,
    activity: AnswerActivity | None,
    now: datetime,
) -> RosterRow:
    accommodation = exam.accommodation_for(student_id)
    row = RosterRow(
        student_id=student_id,
        on_roster=exam.on_roster(student_id),
        state=state_of(attempt),
        accommodation=accommodation,
    )
    if attempt is None:
        return row
    clock = attempt_clock(exam.timing, attempt, accommodation, now)
    last = activity.last_saved_at if activity else None
    return row.model_copy(
        update={
            "attempt_id": attempt.attempt_id,
            "started_at": attempt.started_at,
            "deadline": clock.deadline,
            "final_submit_at": clock.final_submit_at,
            "remaining_seconds": 0.0 if attempt.finished else max(0.0, clock.remaining_seconds),
            "extension_seconds": attempt.extension_seconds,
            "question_count": len(attempt.question_ids),
            "answered": activity.answered if activity else 0,
            "last_saved_at": datetime.fromisoformat(last) if last else None,
            "submitted_at": attempt.submitted_at,
            "late": attempt.late,
            "submission_id": attempt.submission_id,
        }
    )


def roster_rows(
    exam: Exam,
    attempts: dict[str, Attempt],
    activity: dict[str, AnswerActivity],
    now: datetime,
) -> RosterView:
    """Roster members in roster order, then attempt holders no longer on it."""
    students = list(dict.fromkeys([*exam.roster, *sorted(attempts)]))
    rows = [roster_row(exam, s, attempts.get(s), activity.get(s), now) for s in students]
    tally = Counter(row.state for row in rows)
    return RosterView(
        exam_id=exam.exam_id,
        now=now,
        counts={state: tally.get(state, 0) for state in STATES},
        rows=rows,
    )


async def live_roster(ctx: AppContext, principal: Principal, exam_id: str) -> RosterView:
    exam = await owned_exam(ctx, principal, exam_id)
    attempts = {a.student_id: a for a in await store.list_attempts(ctx.redis, exam_id)}
    activity = await store.answer_activity(ctx.redis, exam_id, sorted(attempts))
    return roster_rows(exam, attempts, activity, ctx.now())
