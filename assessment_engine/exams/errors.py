"""Errors of the exam rules, named by what the caller should do next.

    ExamRuleError                  base; never raised itself
    ├── NotFoundError              the exam/attempt/question does not exist (or is not yours): 404
    ├── ForbiddenError             the caller may not do this (not on roster, not the owner): 403
    ├── ConflictError              the state does not allow it now; re-read and decide: 409
    │   ├── StaleSaveError         an autosave with a sequence number <= the stored one
    │   ├── AlreadySubmittedError  the attempt is already submitted (details carry the receipt)
    │   ├── AttemptNotActiveError  paused, terminated or submitted: no answers accepted
    │   └── ExamNotOpenError       before ``opens_at`` or after ``closes_at`` (start refused)
    ├── DeadlinePassedError        the deadline and its grace are over: 409 ``deadline_passed``
    ├── InvalidExamError           the exam definition breaks a rule (window, pools, zone): 422
    │   └── InvalidBankError       the question bank does not import (every error positioned)
    └── RateLimitedError           admission control: retry after ``retry_after`` seconds: 429

Messages never contain answer-key material: they may reach a student.
"""

from __future__ import annotations

from typing import Any


class ExamRuleError(Exception):
    """Base class; ``code`` is the stable machine-readable error code."""

    code = "exam_rule_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class NotFoundError(ExamRuleError):
    code = "not_found"


class ForbiddenError(ExamRuleError):
    code = "forbidden"


class ConflictError(ExamRuleError):
    code = "conflict"


class StaleSaveError(ConflictError):
    code = "stale_save"


class AlreadySubmittedError(ConflictError):
    code = "already_submitted"


class AttemptNotActiveError(ConflictError):
    code = "attempt_not_active"


class ExamNotOpenError(ConflictError):
    code = "exam_not_open"


class DeadlinePassedError(ExamRuleError):
    code = "deadline_passed"


class InvalidExamError(ExamRuleError):
    code = "invalid_exam"


class RateLimitedError(ExamRuleError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, {"retry_after_seconds": retry_after})
        self.retry_after = retry_after


class InvalidBankError(InvalidExamError):
    """The uploaded question bank does not import; details list every error with its position."""

    code = "invalid_question_bank"
