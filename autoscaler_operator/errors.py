"""Errors of the operator, named by what the caller should do next.

    OperatorError                  base; never raised itself
    ├── InvalidPolicyError         the spec cannot be used: report in status/Events, do not retry
    │                              until the spec changes (Kopf: PermanentError)
    └── AdapterError               an outside system failed; retry at the next evaluation
        ├── ActuationError         scaling, Lambda concurrency or publishing did not happen
        └── ScheduleUnavailableError  the exam schedule could not be read; keep the last one

Metric outages are not errors: the Prometheus adapter returns ``None`` (unknown) instead.
Translated to Kopf errors and Events only in ``autoscaler_operator.handlers``.
"""

from __future__ import annotations


class OperatorError(Exception):
    """Base class of operator errors."""


class InvalidPolicyError(OperatorError, ValueError):
    """The OverflowPolicy spec is invalid; ``problems`` lists what to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class AdapterError(OperatorError):
    """An outside system (Kubernetes, Lambda, Redis, assessment service) failed."""


class ActuationError(AdapterError):
    """An action (scale, concurrency, publish) failed; the next evaluation retries it."""


class ScheduleUnavailableError(AdapterError):
    """The exam schedule could not be read."""
