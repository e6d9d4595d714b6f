"""Request and response bodies of the API (the OpenAPI document is generated from these).

Built by routes from service results; nothing here carries answer-key material except the
proctor-only question bank upload bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from assessment_engine.api.auth import Role
from assessment_engine.exams.models import (
    Accommodation,
    AttemptStatus,
    QuestionPool,
    ReleasePolicy,
    validate_zone,
)
from assessment_engine.exams.regrade import ScoreChange
from assessment_engine.exams.timing import Window

BankFormat = Literal["auto", "gift", "qti", "qti-package", "json"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExamCreate(_In):
    title: str = Field(min_length=1, max_length=300)
    bank: str = Field(
        min_length=1,
        description="Question bank text: GIFT, QTI XML or JSON; a QTI content package (zip) as"
        " base64 with format qti-package.",
    )
    format: BankFormat = "auto"
    opens_at: AwareDatetime = Field(description="UTC instant (an offset is required).")
    closes_at: AwareDatetime
    display_timezone: str = Field(default="UTC", description="IANA zone; display only.")
    time_limit_seconds: int | None = Field(default=None, ge=1, le=7 * 86_400)
    grace_seconds: int = Field(default=0, ge=0, le=86_400)
    pools: list[QuestionPool] = Field(default_factory=list)
    shuffle_questions: bool = True
    shuffle_options: bool = True
    roster: list[str] = Field(default_factory=list, max_length=100_000)
    accommodations: dict[str, Accommodation] = Field(default_factory=dict)
    release_policy: ReleasePolicy = "after_close"
    expected_candidates: int = Field(default=0, ge=0, le=10_000_000)

    @field_validator("display_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_zone(value)


class ExamPatch(_In):
    """Fields to change; omitted fields keep their value."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    display_timezone: str | None = None
    time_limit_seconds: int | None = Field(default=None, ge=1, le=7 * 86_400)
    grace_seconds: int | None = Field(default=None, ge=0, le=86_400)
    roster: list[str] | None = Field(default=None, max_length=100_000)
    release_policy: ReleasePolicy | None = None
    expected_candidates: int | None = Field(default=None, ge=0, le=10_000_000)


class AccommodationChange(Accommodation):
    reason: str = Field(min_length=1, max_length=1000)


class ActionBody(_In):
    reason: str = Field(min_length=1, max_length=1000)


class ExtendBody(ActionBody):
    seconds: int = Field(ge=1, le=7 * 86_400)


class RegradeCreate(_In):
    bank: str = Field(min_length=1, description="The fixed question bank (same question ids).")
    format: BankFormat = "auto"
    reason: str = Field(min_length=1, max_length=1000)


class AutosaveBody(_In):
    seq: int = Field(ge=0, le=2**53, description="Client sequence number; must increase.")
    answer: Any = Field(description="The response in the question type's JSON shape.")


class SubmitBody(_In):
    final_answers: dict[str, AutosaveBody] = Field(
        default_factory=dict,
        description="Saved before submitting, with autosave rules (stale ones are ignored).",
    )


class DevTokenRequest(_In):
    sub: str = Field(min_length=1, max_length=200)
    role: Role
    org: str = ""
    ttl_seconds: int | None = Field(default=None, ge=1, le=7 * 86_400)


class DevToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth scheme name
    expires_in: int


class Display(BaseModel):
    timezone: str
    values: dict[str, str] = Field(description="Instants formatted in the display zone.")


class ExamView(BaseModel):
    exam_id: str
    title: str
    owner: str
    opens_at: datetime
    closes_at: datetime
    display_timezone: str
    time_limit_seconds: int | None
    grace_seconds: int
    question_count: int
    pools: list[QuestionPool]
    shuffle_questions: bool
    shuffle_options: bool
    roster: list[str]
    accommodations: dict[str, Accommodation]
    release_policy: ReleasePolicy
    released_at: datetime | None
    expected_candidates: int
    key_version: int
    display: Display


class StudentExamView(BaseModel):
    exam_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    time_limit_seconds: int | None
    grace_seconds: int
    display: Display


class ImportErrorItem(BaseModel):
    line: int | None = None
    column: int | None = None
    message: str


class AttemptView(BaseModel):
    attempt_id: str
    exam_id: str
    student_id: str
    status: AttemptStatus
    started_at: datetime
    now: datetime
    deadline: datetime
    final_submit_at: datetime = Field(description="Deadline + grace: last late submit.")
    window: Window
    remaining_seconds: float
    paused_seconds: float
    extension_seconds: int
    accommodation: Accommodation
    question_count: int
    submitted_at: datetime | None
    late: bool
    auto_submitted: bool
    submission_id: str | None
    display: Display


class SavedAnswerView(BaseModel):
    seq: int
    answer: Any
    saved_at: str


class QuestionsView(BaseModel):
    attempt_id: str
    questions: list[dict[str, Any]] = Field(description="Student views: no key material.")
    saved_answers: dict[str, SavedAnswerView]


class AutosaveResult(BaseModel):
    question_id: str
    seq: int
    saved_at: str


class SubmitReceipt(BaseModel):
    attempt_id: str
    submission_id: str
    received_at: str
    submitted_at: datetime
    late: bool
    auto_submitted: bool
    duplicate: bool


class QuestionResultView(BaseModel):
    question_id: str
    score: float
    max_score: float
    status: str
    feedback: list[str] | None = None


class StudentResult(BaseModel):
    attempt_id: str
    status: Literal["not_submitted", "grading", "graded"]
    released: bool
    feedback_released: bool
    total: float | None = None
    max_total: float | None = None
    key_version: int | None = None
    questions: list[QuestionResultView] = Field(default_factory=list)


class MonitorView(BaseModel):
    exam_id: str
    now: datetime
    roster_size: int
    expected_candidates: int
    started: int
    in_progress: int
    paused: int
    submitted: int
    terminated: int
    late: int
    auto_submitted: int
    graded: int
    grading_backlog: int = Field(description="Jobs queued or in flight for this exam.")
    oldest_pending_age_seconds: float
    dead_letters: int


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    student_id: str | None = None
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class UpcomingExam(BaseModel):
    exam_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    expected_candidates: int
    seconds_until_open: float


class DeadLetterView(BaseModel):
    dead_id: str
    submission_id: str
    key_version: int
    deliveries: int
    error: str
    dead_lettered_at: datetime


class RetryResult(BaseModel):
    dead_id: str
    entry_id: str


class RegradeProposal(BaseModel):
    regrade_id: str
    from_key_version: int
    to_key_version: int
    changed_questions: list[str]
    submissions_checked: int
    students_affected: int
    changes: list[ScoreChange]


class RegradeApplied(BaseModel):
    regrade_id: str
    key_version: int
    jobs_enqueued: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"
