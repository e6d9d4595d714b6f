"""Deadline rules: the one place that decides until when a student may answer and submit.

Called by the API (attempt views, autosave, submit) and by the auto-submit sweeper. All
arithmetic is on UTC instants (``timedelta`` on aware UTC datetimes), so a daylight-saving
change in the display zone never moves a deadline; the zone only formats ``display`` fields.

Deadline of an attempt::

    bonus    = paused time (finished pauses + the running one) + proctor extensions
    personal = started_at + time_limit * multiplier + extra_seconds + bonus
    cap      = closes_at + (time_limit * (multiplier - 1) + extra_seconds) + bonus
    deadline = min(personal, cap)          (no time limit: deadline = cap)

A submit at or before the deadline is on time, within ``grace_seconds`` after it is accepted
and flagged late, after that it is refused (``deadline_passed``) and the server has already
submitted the last saved answers, recorded at the deadline instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from assessment_engine.exams.models import Accommodation, Attempt, ExamTiming

Window = Literal["open", "grace", "closed"]


def paused_seconds(attempt: Attempt, now: datetime) -> float:
    """Seconds the attempt has spent paused up to ``now`` (a running pause counts to ``now``)."""
    total = 0.0
    for pause in attempt.pauses:
        end = pause.ended_at if pause.ended_at is not None else now
        total += max(0.0, (end - pause.started_at).total_seconds())
    return total


def accommodation_bonus(timing: ExamTiming, accommodation: Accommodation) -> float:
    """Seconds an accommodation adds on top of the plain time limit (and past the close)."""
    limit = timing.time_limit_seconds or 0
    return limit * (accommodation.time_multiplier - 1.0) + accommodation.extra_seconds


def attempt_deadline(
    timing: ExamTiming, attempt: Attempt, accommodation: Accommodation, now: datetime
) -> datetime:
    """The instant after which the attempt is over (before grace); see the module docstring."""
    bonus = paused_seconds(attempt, now) + attempt.extension_seconds
    cap = timing.closes_at + timedelta(seconds=accommodation_bonus(timing, accommodation) + bonus)
    if timing.time_limit_seconds is None:
        return cap
    personal_seconds = (
        timing.time_limit_seconds * accommodation.time_multiplier
        + accommodation.extra_seconds
        + bonus
    )
    return min(attempt.started_at + timedelta(seconds=personal_seconds), cap)


def submission_window(deadline: datetime, grace_seconds: int, now: datetime) -> Window:
    """``open`` up to and including the deadline, ``grace`` up to deadline + grace, then closed."""
    if now <= deadline:
        return "open"
    if now <= deadline + timedelta(seconds=grace_seconds):
        return "grace"
    return "closed"


def final_instant(deadline: datetime, grace_seconds: int) -> datetime:
    """The last instant a late submit is accepted; the sweeper auto-submits after it."""
    return deadline + timedelta(seconds=grace_seconds)


def to_display(instant: datetime, zone: str) -> str:
    """RFC 3339 text of ``instant`` in the IANA ``zone`` (offset included), for display only."""
    return instant.astimezone(ZoneInfo(zone)).isoformat()


@dataclass(frozen=True)
class AttemptClock:
    """What a client needs to show a countdown: server instants plus display strings."""

    now: datetime
    deadline: datetime
    final_submit_at: datetime
    window: Window
    remaining_seconds: float
    paused_seconds: float
    display_deadline: str
    display_now: str


def attempt_clock(
    timing: ExamTiming, attempt: Attempt, accommodation: Accommodation, now: datetime
) -> AttemptClock:
    deadline = attempt_deadline(timing, attempt, accommodation, now)
    return AttemptClock(
        now=now,
        deadline=deadline,
        final_submit_at=final_instant(deadline, timing.grace_seconds),
        window=submission_window(deadline, timing.grace_seconds, now),
        remaining_seconds=max(0.0, (deadline - now).total_seconds()),
        paused_seconds=paused_seconds(attempt, now),
        display_deadline=to_display(deadline, timing.display_timezone),
        display_now=to_display(now, timing.display_timezone),
    )
