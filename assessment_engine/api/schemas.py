"""Request and response bodies of the API (the OpenAPI document is generated from these).

Built by routes from service results; nothing here carries answer-key material except the
proctor-only question bank upload bodies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from assessment_engine.api.auth import Role
from assessment_engine.exams.models import (
    Accommodation,
    AttemptStatus,
    JsonInt,
    QuestionPool,
    ReleasePolicy,
    json_number,
    validate_zone,
)
from assessment_engine.exams.regrade import ScoreChange
from assessment_engine.exams.timing import Window

BankFormat = Literal["auto", "gift", "qti", "qti-package", "json"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _rfc3339_text(value: Any) -> Any:
    """Only a string is a date-time (a number would be read as seconds since 1970)."""
    if not isinstance(value, str):
        raise ValueError("an RFC 3339 date-time string with an offset is required")
    return value


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("the instant must be from 2000-01-01T00:00:00Z to before 2100")
    return value


# An exam's instants: RFC 3339 text with an offset, from 2000 to before 2100 (UTC).
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_text),
    AfterValidator(_in_range),
    Field(
        json_schema_extra={
            "formatMinimum": "2000-01-01T00:00:00Z",
            "formatExclusiveMaximum": "2100-01-01T00:00:00Z",
        }
    ),
]
_INSTANT = "RFC 3339 instant with an offset, 2000-01-01T00:00:00Z to before 2100-01-01T00:00:00Z."
Seconds = JsonInt  # JSON integers only: booleans and numeric strings are refused
# Constraints inside the type: on ``JsonInt | None`` a field's ge/le would not reach the schema.
LimitSeconds = Annotated[int, Field(ge=1, le=7 * 86_400), BeforeValidator(json_number)]


class ExamCreate(_In):
    title: str = Field(min_length=1, max_length=300)
    bank: str = Field(
        min_length=1,
        description="Question bank text: GIFT, QTI XML or JSON; a QTI content package (zip) as"
        " base64 with format qti-package.",
    )
    format: BankFormat = "auto"
    opens_at: Instant = Field(description=_INSTANT)
    closes_at: Instant = Field(description=_INSTANT)
    display_timezone: str = Field(default="UTC", description="IANA zone; display only.")
    time_limit_seconds: LimitSeconds | None = None
    grace_seconds: Seconds = Field(default=0, ge=0, le=86_400)
    pools: list[QuestionPool] = Field(default_factory=list)
    shuffle_questions: StrictBool = True
    shuffle_options: StrictBool = True
    roster: list[str] = Field(default_factory=list, max_length=100_000)
    accommodations: dict[str, Accommodation] = Field(default_factory=dict)
    release_policy: ReleasePolicy = "after_close"
    expected_candidates: JsonInt = Field(default=0, ge=0, le=10_000_000)

    @field_validator("display_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_zone(value)


def _optional(**constraints: Any) -> Any:
    """A PATCH field that may be omitted but is never null (null would clear nothing)."""
    return Field(default=None, **constraints)


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """Omitted-but-never-null fields: no ``default: null`` the type itself refuses."""
    for prop in schema.get("properties", {}).values():
        nullable = any(alt.get("type") == "null" for alt in prop.get("anyOf", []))
        if prop.get("default", 0) is None and not nullable:
            del prop["default"]


class ExamPatch(_In):
    """Fields to change; omitted fields keep their value. Only ``time_limit_seconds`` (null:
    no limit) and ``display_timezone`` (null: back to UTC) may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)

    title: str = _optional(min_length=1, max_length=300)
    opens_at: Instant = _optional(description=_INSTANT)
    closes_at: Instant = _optional(description=_INSTANT)
    display_timezone: str | None = Field(
        default=None, description="IANA zone; null resets it to UTC."
    )
    time_limit_seconds: LimitSeconds | None = Field(
        default=None, description="null: no time limit."
    )
    grace_seconds: Seconds = _optional(ge=0, le=86_400)
    roster: list[str] = _optional(max_length=100_000)
    release_policy: ReleasePolicy = _optional()
    expected_candidates: JsonInt = _optional(ge=0, le=10_000_000)

    @field_validator("display_timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str:
        return validate_zone("UTC" if value is None else value)


class AccommodationChange(Accommodation):
    reason: str = Field(min_length=1, max_length=1000)


class ActionBody(_In):
    reason: str = Field(min_length=1, max_length=1000)


class ExtendBody(ActionBody):
    seconds: Seconds = Field(ge=1, le=7 * 86_400)


class RegradeCreate(_In):
    bank: str = Field(min_length=1, description="The fixed question bank (same question ids).")
    format: BankFormat = "auto"
    reason: str = Field(min_length=1, max_length=1000)


class AutosaveBody(_In):
    seq: JsonInt = Field(ge=0, le=2**53, description="Client sequence number; must increase.")
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
    ttl_seconds: LimitSeconds | None = None


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
    answers_digest: str = Field(
        description="sha256 of the stored answers' canonical JSON (docs/api.md, Receipts)."
    )
    answer_count: int


class MySubmission(BaseModel):
    """The student's own stored submission: their answers as stored, and the receipt fields."""

    attempt_id: str
    submission_id: str
    received_at: datetime
    submitted_at: datetime | None
    late: bool
    auto_submitted: bool
    answers: dict[str, Any]
    answers_digest: str
    answer_count: int


StudentAttemptState = Literal["not_started", "in_progress", "paused", "submitted", "terminated"]


class StudentExamEntry(StudentExamView):
    """One exam on the student's list: window, and where the student's attempt stands."""

    attempt_state: StudentAttemptState
    submission_id: str | None = None
    results_released: bool


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
    graded_on_cluster: int = Field(description="First results written by cluster workers.")
    graded_on_lambda: int = Field(description="First results written by the Lambda overflow.")
    grading_backlog: int = Field(description="Jobs queued or in flight for this exam.")
    oldest_pending_age_seconds: float
    dead_letters: int


RosterState = Literal[
    "not_started", "in_progress", "paused", "submitted", "auto_submitted", "terminated"
]


class RosterRow(BaseModel):
    student_id: str
    on_roster: bool = Field(description="False: has an attempt but was removed from the roster.")
    state: RosterState
    attempt_id: str | None = None
    started_at: datetime | None = None
    deadline: datetime | None = None
    final_submit_at: datetime | None = None
    remaining_seconds: float | None = None
    extension_seconds: int = 0
    accommodation: Accommodation
    question_count: int = 0
    answered: int = 0
    last_saved_at: datetime | None = None
    submitted_at: datetime | None = None
    late: bool = False
    submission_id: str | None = None


class RosterView(BaseModel):
    """The live roster: every student's state, time left and last autosave, with counts."""

    exam_id: str
    now: datetime
    counts: dict[RosterState, int]
    rows: list[RosterRow]


class GradingDecisionView(BaseModel):
    """The overflow decision record of a grading queue, read-only (docs/decision-record.md)."""

    queue: str
    present: bool = Field(description="False: no record (the dispatchers' outage behaviour).")
    effective_mode: str = Field(description="What dispatchers obey now: cluster/overflow/prewarm.")
    effective_reason: str
    mode: str | None = None
    reasons: list[str] = Field(default_factory=list)
    policy: str | None = None
    generation: int | None = None
    utilization: float | None = None
    max_lambda_concurrency: int | None = None
    issued_at: datetime | None = None
    valid_until: datetime | None = None
    expired: bool = False
    dry_run: bool = False


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
