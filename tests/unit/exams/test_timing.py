from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from assessment_engine.exams.models import Accommodation, ExamTiming, Pause
from assessment_engine.exams.timing import (
    attempt_clock,
    attempt_deadline,
    paused_seconds,
    submission_window,
    to_display,
)
from tests.unit.exams.factories import T0, make_attempt, make_exam

NONE = Accommodation()


def test_deadline_is_start_plus_limit_when_inside_window() -> None:
    exam = make_exam()
    attempt = make_attempt(started_at=T0 + timedelta(minutes=10))
    assert attempt_deadline(exam.timing, attempt, NONE, T0) == T0 + timedelta(minutes=70)


def test_deadline_is_capped_at_close_for_a_late_starter() -> None:
    exam = make_exam()
    attempt = make_attempt(started_at=T0 + timedelta(hours=2, minutes=30))
    assert attempt_deadline(exam.timing, attempt, NONE, T0) == exam.timing.closes_at


def test_accommodation_multiplies_limit_then_adds_seconds_and_moves_the_cap() -> None:
    exam = make_exam()
    acc = Accommodation(time_multiplier=1.5, extra_seconds=300)
    early = make_attempt(started_at=T0)
    assert attempt_deadline(exam.timing, early, acc, T0) == T0 + timedelta(seconds=5400 + 300)
    late = make_attempt(started_at=T0 + timedelta(hours=2, minutes=30))
    cap = exam.timing.closes_at + timedelta(seconds=1800 + 300)
    assert attempt_deadline(exam.timing, late, acc, T0) == cap


def test_paused_time_and_extensions_push_the_deadline() -> None:
    exam = make_exam()
    attempt = make_attempt(
        pauses=(Pause(started_at=T0 + timedelta(minutes=5), ended_at=T0 + timedelta(minutes=15)),),
        extension_seconds=120,
    )
    assert attempt_deadline(exam.timing, attempt, NONE, T0) == T0 + timedelta(
        minutes=70, seconds=120
    )


def test_a_running_pause_counts_until_now() -> None:
    attempt = make_attempt(pauses=(Pause(started_at=T0 + timedelta(minutes=5)),))
    assert paused_seconds(attempt, T0 + timedelta(minutes=8)) == 180


def test_no_time_limit_means_the_close_is_the_deadline() -> None:
    timing = ExamTiming(opens_at=T0, closes_at=T0 + timedelta(hours=1))
    acc = Accommodation(extra_seconds=600)
    attempt = make_attempt()
    assert attempt_deadline(timing, attempt, acc, T0) == T0 + timedelta(hours=1, minutes=10)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, "open"), (1, "grace"), (60, "grace"), (61, "closed")],
)
def test_window_at_the_deadline_inside_grace_and_after(offset: int, expected: str) -> None:
    deadline = T0 + timedelta(hours=1)
    assert submission_window(deadline, 60, deadline + timedelta(seconds=offset)) == expected


def test_dst_switch_moves_only_the_display() -> None:
    # Europe/Berlin switches from +01:00 to +02:00 at 2026-03-29 01:00 UTC.
    exam = make_exam()
    attempt = make_attempt(started_at=T0 + timedelta(minutes=30))
    clock = attempt_clock(exam.timing, attempt, NONE, T0 + timedelta(minutes=31))
    assert clock.deadline == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert clock.remaining_seconds == 59 * 60
    assert clock.display_now == "2026-03-29T01:31:00+01:00"
    assert clock.display_deadline == "2026-03-29T03:30:00+02:00"


def test_timing_rejects_naive_instants_and_unknown_zones() -> None:
    with pytest.raises(ValidationError):
        ExamTiming(opens_at=datetime(2026, 1, 1), closes_at=datetime(2026, 1, 2))
    with pytest.raises(ValidationError):
        ExamTiming(opens_at=T0, closes_at=T0 + timedelta(hours=1), display_timezone="Mars/Base")
    with pytest.raises(ValidationError):
        ExamTiming(opens_at=T0, closes_at=T0)


def test_offset_instants_are_normalised_to_utc() -> None:
    plus2 = timezone(timedelta(hours=2))
    timing = ExamTiming(
        opens_at=datetime(2026, 1, 1, 10, tzinfo=plus2),
        closes_at=datetime(2026, 1, 1, 12, tzinfo=plus2),
    )
    assert timing.opens_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert timing.opens_at.tzinfo is UTC


def test_display_in_new_york_across_its_dst_switch() -> None:
    before = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
    assert to_display(before, "America/New_York").endswith("-05:00")
    assert to_display(before + timedelta(minutes=2), "America/New_York").endswith("-04:00")


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])


@given(
    start_offset=st.integers(min_value=0, max_value=3 * 3600 - 1),
    multiplier=st.floats(min_value=1.0, max_value=3.0),
    extra=st.integers(min_value=0, max_value=7200),
    more=st.integers(min_value=1, max_value=3600),
    zone=zones,
)
def test_deadline_properties(
    start_offset: int, multiplier: float, extra: int, more: int, zone: str
) -> None:
    base = ExamTiming(
        opens_at=T0, closes_at=T0 + timedelta(hours=3), time_limit_seconds=3600, grace_seconds=30
    )
    timing = base.model_copy(update={"display_timezone": zone})
    attempt = make_attempt(started_at=T0 + timedelta(seconds=start_offset))
    acc = Accommodation(time_multiplier=multiplier, extra_seconds=extra)
    deadline = attempt_deadline(timing, attempt, acc, T0)
    # the display zone never changes a deadline
    assert deadline == attempt_deadline(base, attempt, acc, T0)
    # an accommodation never shortens, and more extra time never ends earlier
    assert deadline >= attempt_deadline(timing, attempt, NONE, T0)
    richer = Accommodation(time_multiplier=multiplier, extra_seconds=extra + more)
    assert attempt_deadline(timing, attempt, richer, T0) > deadline
    # the deadline never exceeds the personal limit nor the accommodated close
    assert deadline <= attempt.started_at + timedelta(seconds=3600 * multiplier + extra)
    assert deadline <= timing.closes_at + timedelta(seconds=3600 * (multiplier - 1) + extra)
