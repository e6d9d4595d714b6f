"""Exam and attempt models: what a proctor schedules and what a student's attempt records.

Built by the API from request bodies, stored as JSON by ``assessment_engine.storage.exams`` and
``assessment_engine.storage.attempts``, and read by the pure rules in this package. Every
instant is an aware UTC ``datetime``; ``display_timezone`` only changes what is shown.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


def json_number(value: Any) -> Any:
    """A JSON number only: a boolean or a numeric string is no number (``false`` is not 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a JSON number is required")
    return value


JsonInt = Annotated[int, BeforeValidator(json_number)]
"""A JSON integer (``3`` or ``3.0``, as JSON Schema's ``integer``); booleans and strings refused."""
JsonFloat = Annotated[float, BeforeValidator(json_number)]
"""A JSON number; booleans and strings refused."""

ReleasePolicy = Literal["immediately", "after_close", "manual"]
AttemptStatus = Literal["in_progress", "paused", "submitted", "terminated"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def as_utc(value: datetime) -> datetime:
    """Normalise an aware instant to UTC (naive values never get here: models reject them)."""
    return value.astimezone(UTC)


def validate_zone(name: str) -> str:
    """Return ``name`` if it is a known IANA zone, else raise ``ValueError``."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown IANA time zone {name!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc
    return name


class Accommodation(_Model):
    """Per-student extra time: the limit is multiplied, then ``extra_seconds`` are added."""

    # Strict: a JSON boolean is no number (``extra_seconds: false`` is refused, not 0).
    time_multiplier: JsonFloat = Field(default=1.0, ge=1.0, le=10.0)
    extra_seconds: JsonInt = Field(default=0, ge=0, le=7 * 86_400)


NO_ACCOMMODATION = Accommodation()


class QuestionPool(_Model):
    """Draw ``draw`` questions at random (per attempt seed) from ``question_ids``."""

    question_ids: tuple[str, ...] = Field(min_length=1)
    draw: JsonInt = Field(ge=1)

    @model_validator(mode="after")
    def _draw_fits(self) -> QuestionPool:
        if self.draw > len(self.question_ids):
            raise ValueError(f"draw {self.draw} exceeds the pool size {len(self.question_ids)}")
        if len(set(self.question_ids)) != len(self.question_ids):
            raise ValueError("a pool lists a question twice")
        return self


class ExamTiming(_Model):
    """The schedule of an exam: a UTC window, a per-attempt limit and a late grace."""

    opens_at: AwareDatetime
    closes_at: AwareDatetime
    display_timezone: str = "UTC"
    time_limit_seconds: int | None = Field(default=None, ge=1, le=7 * 86_400)
    grace_seconds: int = Field(default=0, ge=0, le=86_400)

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("display_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_zone(value)

    @model_validator(mode="after")
    def _window(self) -> ExamTiming:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class Exam(_Model):
    """A scheduled exam as stored; ``owner`` is the proctor's subject id."""

    exam_id: str
    title: str
    owner: str
    org: str = ""
    created_at: AwareDatetime
    timing: ExamTiming
    question_ids: tuple[str, ...] = Field(description="Every question of the bank, bank order.")
    pools: tuple[QuestionPool, ...] = ()
    shuffle_questions: bool = True
    shuffle_options: bool = True
    roster: tuple[str, ...] = ()
    accommodations: dict[str, Accommodation] = Field(default_factory=dict)
    release_policy: ReleasePolicy = "after_close"
    released_at: AwareDatetime | None = None
    expected_candidates: int = Field(default=0, ge=0)
    key_version: int = Field(default=1, ge=1)

    def accommodation_for(self, student_id: str) -> Accommodation:
        return self.accommodations.get(student_id, NO_ACCOMMODATION)

    def on_roster(self, student_id: str) -> bool:
        """Roster membership in O(1): a set built once per roster tuple (see ``_roster_set``)."""
        return student_id in _roster_set(self.roster)


_ROSTER_SETS: OrderedDict[int, tuple[tuple[str, ...], frozenset[str]]] = OrderedDict()
_ROSTER_SETS_MAX = 64


def _roster_set(roster: tuple[str, ...]) -> frozenset[str]:
    """The roster as a set, remembered by tuple identity (the entry keeps the tuple alive, so
    its id is not reused while cached; a changed roster is a new tuple and a new entry)."""
    entry = _ROSTER_SETS.get(id(roster))
    if entry is not None and entry[0] is roster:
        _ROSTER_SETS.move_to_end(id(roster))
        return entry[1]
    members = frozenset(roster)
    _ROSTER_SETS[id(roster)] = (roster, members)
    while len(_ROSTER_SETS) > _ROSTER_SETS_MAX:
        _ROSTER_SETS.popitem(last=False)
    return members


class Pause(_Model):
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None


class Attempt(_Model):
    """One student's attempt at one exam (one attempt per student and exam)."""

    attempt_id: str
    exam_id: str
    student_id: str
    seed: int
    question_ids: tuple[str, ...] = Field(description="Selected and ordered for this attempt.")
    started_at: AwareDatetime
    status: AttemptStatus = "in_progress"
    pauses: tuple[Pause, ...] = ()
    extension_seconds: int = Field(default=0, ge=0)
    submitted_at: AwareDatetime | None = Field(
        default=None, description="Submit instant; for auto-submits the deadline instant."
    )
    late: bool = False
    auto_submitted: bool = False
    submission_id: str | None = None
    received_at: AwareDatetime | None = None
    idempotency_key: str | None = None
    key_version: int = 1

    @property
    def finished(self) -> bool:
        return self.status in ("submitted", "terminated")

    @property
    def paused_at(self) -> datetime | None:
        if self.pauses and self.pauses[-1].ended_at is None:
            return self.pauses[-1].started_at
        return None
