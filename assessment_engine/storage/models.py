"""Records the storage adapters take and return: submissions, receipts, jobs, results, stats.

The API builds a :class:`NewSubmission` and gets a :class:`Receipt`; workers and the overflow
dispatcher get :class:`GradingJob` and :class:`GradingWork` from the queue and hand back a
``SubmissionGrade``; everyone reads :class:`StoredResult`. All are pydantic v2, frozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from assessment_engine.grading.models import Question
from assessment_engine.grading.submission import SubmissionGrade

JsonValue = Any
"""A JSON-compatible value (a student's answer to one question)."""

GradedBy = Literal["cluster", "lambda"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewSubmission(_Frozen):
    """What the API stores when a student (or the server, on time-out) submits an attempt."""

    exam_id: str
    attempt_id: str
    student_id: str
    idempotency_key: str = Field(min_length=1, max_length=200)
    answers: dict[str, JsonValue]
    question_ids: list[str] = Field(description="The attempt's questions in presented order.")
    key_version: int = Field(ge=1)
    received_at: AwareDatetime | None = Field(
        default=None, description="Server receive time (UTC); now if None."
    )
    late: bool = False
    auto_submitted: bool = False


class Receipt(_Frozen):
    """What a 202 carries. A repeated submit returns the same id and time with duplicate=True."""

    submission_id: str
    received_at: str = Field(description="Server receive time, RFC 3339 UTC.")
    duplicate: bool = False


class SubmissionRecord(_Frozen):
    """A stored submission (``exam:{e}:submission:<sid>``)."""

    submission_id: str
    exam_id: str
    attempt_id: str
    student_id: str
    answers: dict[str, JsonValue]
    question_ids: list[str]
    key_version: int
    received_at: datetime
    late: bool
    auto_submitted: bool
    idempotency_key: str


class GradingJob(_Frozen):
    """One delivery of a grading-stream entry to a consumer."""

    stream: str
    entry_id: str
    exam_id: str
    submission_id: str
    key_version: int
    deliveries: int = Field(ge=1, description="Deliveries of this entry, this one included.")
    enqueued_at: datetime
    consumer: str


class GradingWork(_Frozen):
    """Everything a pure grader needs for one job; the dispatcher serialises it to Lambda."""

    exam_id: str
    submission_id: str
    attempt_id: str
    student_id: str
    key_version: int
    answers: dict[str, JsonValue]
    question_ids: list[str]
    questions: Mapping[str, Question]
    received_at: datetime


class GradedQuestion(_Frozen):
    """One question of a stored result (no key material)."""

    question_id: str
    type: str
    score: float
    max_score: float
    status: str
    response: JsonValue = None


class StoredResult(_Frozen):
    """The final result of one submission for one key version (written once)."""

    exam_id: str
    submission_id: str
    attempt_id: str
    student_id: str
    key_version: int
    total: float
    max_total: float
    questions: list[GradedQuestion]
    grade: SubmissionGrade = Field(description="The grader's full output (parts, feedback).")
    graded_by: GradedBy
    grader_id: str
    graded_at: datetime
    received_at: datetime


class DeadLetter(_Frozen):
    """A job moved to ``exam:{e}:dead`` after too many failed deliveries."""

    dead_id: str
    exam_id: str
    submission_id: str
    key_version: int
    original_entry_id: str
    deliveries: int
    error: str
    dead_lettered_at: datetime


class ExamQueueStats(_Frozen):
    exam_id: str
    length: int = Field(description="Jobs not yet delivered to any consumer.")
    pending: int = Field(description="Jobs delivered and not yet completed (in flight).")
    oldest_pending_age_seconds: float = Field(
        description="Age since enqueue of the oldest job not yet completed (0 if none)."
    )
    dead_letters: int


class QueueStats(_Frozen):
    length: int
    pending: int
    oldest_pending_age_seconds: float
    dead_letters: int
    exams: list[ExamQueueStats]
