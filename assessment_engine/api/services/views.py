"""Pure mappings from stored models to response bodies (``assessment_engine.api.schemas``).

Called by routes and services; the student views here are the only shapes of exam and
attempt data a student ever receives.
"""

from __future__ import annotations

from datetime import datetime

from assessment_engine.api.schemas import AttemptView, Display, ExamView, StudentExamView
from assessment_engine.exams.models import Attempt, Exam
from assessment_engine.exams.timing import attempt_clock, to_display


def _display(zone: str, **instants: datetime | None) -> Display:
    values = {name: to_display(v, zone) for name, v in instants.items() if v is not None}
    return Display(timezone=zone, values=values)


def exam_view(exam: Exam) -> ExamView:
    t = exam.timing
    return ExamView(
        exam_id=exam.exam_id,
        title=exam.title,
        owner=exam.owner,
        opens_at=t.opens_at,
        closes_at=t.closes_at,
        display_timezone=t.display_timezone,
        time_limit_seconds=t.time_limit_seconds,
        grace_seconds=t.grace_seconds,
        question_count=len(exam.question_ids),
        pools=list(exam.pools),
        shuffle_questions=exam.shuffle_questions,
        shuffle_options=exam.shuffle_options,
        roster=list(exam.roster),
        accommodations=exam.accommodations,
        release_policy=exam.release_policy,
        released_at=exam.released_at,
        expected_candidates=exam.expected_candidates,
        key_version=exam.key_version,
        display=_display(
            t.display_timezone,
            opens_at=t.opens_at,
            closes_at=t.closes_at,
            released_at=exam.released_at,
        ),
    )


def student_exam_view(exam: Exam) -> StudentExamView:
    t = exam.timing
    return StudentExamView(
        exam_id=exam.exam_id,
        title=exam.title,
        opens_at=t.opens_at,
        closes_at=t.closes_at,
        time_limit_seconds=t.time_limit_seconds,
        grace_seconds=t.grace_seconds,
        display=_display(t.display_timezone, opens_at=t.opens_at, closes_at=t.closes_at),
    )


def attempt_view(exam: Exam, attempt: Attempt, now: datetime) -> AttemptView:
    accommodation = exam.accommodation_for(attempt.student_id)
    clock = attempt_clock(exam.timing, attempt, accommodation, now)
    zone = exam.timing.display_timezone
    return AttemptView(
        attempt_id=attempt.attempt_id,
        exam_id=attempt.exam_id,
        student_id=attempt.student_id,
        status=attempt.status,
        started_at=attempt.started_at,
        now=now,
        deadline=clock.deadline,
        final_submit_at=clock.final_submit_at,
        window=clock.window,
        remaining_seconds=clock.remaining_seconds if not attempt.finished else 0.0,
        paused_seconds=clock.paused_seconds,
        extension_seconds=attempt.extension_seconds,
        accommodation=accommodation,
        question_count=len(attempt.question_ids),
        submitted_at=attempt.submitted_at,
        late=attempt.late,
        auto_submitted=attempt.auto_submitted,
        submission_id=attempt.submission_id,
        display=_display(
            zone,
            now=now,
            started_at=attempt.started_at,
            deadline=clock.deadline,
            final_submit_at=clock.final_submit_at,
            submitted_at=attempt.submitted_at,
        ),
    )
