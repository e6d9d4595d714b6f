from __future__ import annotations

from datetime import timedelta

import pytest

from assessment_engine.exams.errors import (
    AlreadySubmittedError,
    AttemptNotActiveError,
    DeadlinePassedError,
    ExamNotOpenError,
    ForbiddenError,
)
from assessment_engine.exams.lifecycle import (
    auto_submit_due,
    check_answerable,
    extend,
    pause,
    plan_submit,
    record_submit,
    resume,
    start_attempt,
)
from assessment_engine.exams.models import Accommodation
from tests.unit.exams.factories import T0, make_attempt, make_exam


def test_start_refuses_students_off_the_roster_and_outside_the_window() -> None:
    exam = make_exam()
    with pytest.raises(ForbiddenError):
        start_attempt(exam, "stranger", "a", 1, T0)
    with pytest.raises(ExamNotOpenError):
        start_attempt(exam, "s1", "a", 1, T0 - timedelta(seconds=1))
    with pytest.raises(ExamNotOpenError):
        start_attempt(exam, "s1", "a", 1, exam.timing.closes_at)


def test_start_selects_questions_from_the_seed() -> None:
    exam = make_exam()
    a = start_attempt(exam, "s1", "a", 7, T0)
    b = start_attempt(exam, "s2", "b", 7, T0)
    assert a.question_ids == b.question_ids
    assert sorted(a.question_ids) == ["q1", "q2", "q3", "q4"]


def test_submit_exactly_at_deadline_is_on_time_inside_grace_is_late_after_is_refused() -> None:
    exam = make_exam()
    attempt = make_attempt()
    deadline = T0 + timedelta(hours=1)
    assert plan_submit(exam, attempt, deadline).late is False
    assert plan_submit(exam, attempt, deadline + timedelta(seconds=30)).late is True
    with pytest.raises(DeadlinePassedError):
        plan_submit(exam, attempt, deadline + timedelta(seconds=61))


def test_accommodation_added_mid_attempt_is_effective_at_once() -> None:
    exam = make_exam()
    attempt = make_attempt()
    late = T0 + timedelta(hours=1, minutes=5)
    with pytest.raises(DeadlinePassedError):
        check_answerable(exam, attempt, late)
    exam = exam.model_copy(update={"accommodations": {"s1": Accommodation(extra_seconds=900)}})
    check_answerable(exam, attempt, late)
    assert plan_submit(exam, attempt, late).late is False


def test_paused_attempt_takes_no_answers_and_gets_its_time_back() -> None:
    exam = make_exam()
    attempt = pause(make_attempt(), T0 + timedelta(minutes=50))
    with pytest.raises(AttemptNotActiveError):
        check_answerable(exam, attempt, T0 + timedelta(minutes=55))
    with pytest.raises(AttemptNotActiveError):
        pause(attempt, T0 + timedelta(minutes=56))
    attempt = resume(attempt, T0 + timedelta(minutes=70))
    assert plan_submit(exam, attempt, T0 + timedelta(minutes=80)).late is False
    with pytest.raises(AttemptNotActiveError):
        resume(attempt, T0 + timedelta(minutes=81))


def test_auto_submit_is_dated_at_the_deadline_not_the_sweep() -> None:
    exam = make_exam()
    attempt = make_attempt()
    assert auto_submit_due(exam, attempt, T0 + timedelta(hours=1, seconds=60)) is None
    plan = auto_submit_due(exam, attempt, T0 + timedelta(hours=5))
    assert plan is not None
    assert plan.submitted_at == T0 + timedelta(hours=1)
    assert plan.auto
    assert not plan.late


def test_auto_submit_skips_paused_and_finished_attempts() -> None:
    exam = make_exam()
    paused = pause(make_attempt(), T0 + timedelta(minutes=1))
    assert auto_submit_due(exam, paused, T0 + timedelta(hours=5)) is None
    done = record_submit(
        make_attempt(),
        plan_submit(exam, make_attempt(), T0),
        submission_id="sub",
        received_at=T0,
        idempotency_key="k",
    )
    assert auto_submit_due(exam, done, T0 + timedelta(hours=5)) is None
    with pytest.raises(AlreadySubmittedError):
        extend(done, 60)


def test_extension_moves_the_deadline() -> None:
    exam = make_exam()
    attempt = extend(make_attempt(), 600)
    assert plan_submit(exam, attempt, T0 + timedelta(minutes=70)).late is False


def test_record_submit_closes_a_running_pause() -> None:
    exam = make_exam()
    attempt = pause(make_attempt(), T0 + timedelta(minutes=1))
    plan = auto_submit_due(
        exam, resume(attempt, T0 + timedelta(minutes=2)), T0 + timedelta(hours=9)
    )
    assert plan is not None
    done = record_submit(
        attempt, plan, submission_id="s", received_at=T0, idempotency_key="auto", terminated=True
    )
    assert done.status == "terminated"
    assert done.pauses[-1].ended_at == plan.submitted_at
