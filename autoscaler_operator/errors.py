"""Errors of the operator, named by what the caller should do next.

    OperatorError                  base; never raised itself
    ├── InvalidPolicyError         the spec cannot be used: report in status/Events, do not retry
    │                              until the spec changes (Kopf: PermanentError)
    └── AdapterError               an outside system failed; retry at the next evaluation
        ├── ActuationError         scaling, Lambda concurrency or publishing did not happen
        │   └── KubeApiError       the Kubernetes API refused a call (403, 404, 422, ...):
        │                          ``verb``/``resource``/``status`` say which, for the log line
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


class KubeApiError(ActuationError):
    """The Kubernetes API server refused or failed one call of the operator's adapters.

    ``verb`` and ``resource`` name the call as RBAC does (``patch``, ``deployments/scale``), so
    a 403 tells the reader which rule is missing; ``status`` is the HTTP status (0 when the
    server could not be reached) and ``reason`` the API's ``Status.reason`` (``Forbidden``).
    """

    def __init__(
        self,
        *,
        verb: str,
        resource: str,
        namespace: str,
        name: str,
        status: int,
        reason: str,
        message: str,
    ) -> None:
        super().__init__(
            f"{verb} {resource} {namespace}/{name}: {status} {reason}: {message}".strip()
        )
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.status = status
        self.reason = reason
        self.message = message

    def log_fields(self) -> dict[str, str | int]:
        """The call and the answer as flat keys for a structured log line."""
        return {
            "verb": self.verb,
            "resource": self.resource,
            "namespace": self.namespace,
            "object_name": self.name,  # "name" is taken by logging.LogRecord
            "status": self.status,
            "reason": self.reason,
        }
