"""Errors raised by grading, named by what the caller should do next.

    GradingError                 base; never raised itself
    ├── InvalidResponseError     the response has the wrong shape for the question:
    │                            reject it (HTTP 422)
    ├── UnsupportedQuestionError the question type has no grader here (or the question itself
    │                            cannot be graded): fix deployment/question, do not retry
    ├── GradingTimeoutError      evaluation exceeded its bound (formula/code): record, do not
    │                            retry blindly
    └── SubmissionShapeError     a submission names an unknown question or one twice: a bug in
                                 the caller, do not retry

Messages never contain answer-key material: they may reach a student.
"""

from __future__ import annotations


class GradingError(Exception):
    """Base class for grading errors."""


class InvalidResponseError(GradingError, ValueError):
    """The response does not have the JSON shape the question type takes."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(f"invalid response for question {question_id!r}: {message}")
        self.question_id = question_id
        self.reason = message


class UnsupportedQuestionError(GradingError):
    """No grader is registered for this question type."""


class GradingTimeoutError(GradingError):
    """A bounded evaluation (formula, code) ran out of time."""


class SubmissionShapeError(GradingError, ValueError):
    """A submission's question list names an unknown question id or the same id twice."""
