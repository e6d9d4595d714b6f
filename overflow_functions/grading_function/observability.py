"""Logger, Tracer and Metrics of the grading function, created once per execution environment.

Imported by ``app.py`` and ``grading.py``. Service name and metrics namespace come from
``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE`` (set in the SAM ``Globals``);
defaults keep the function runnable when they are missing. Metrics are emitted as CloudWatch EMF
on stdout. With ``POWERTOOLS_TRACE_DISABLED=true`` (the local Lambda service sets it) the tracer
is a no-op stand-in: Powertools' disabled ``Tracer`` still imports the X-Ray SDK (with botocore,
about 0.25 s of init), which a disabled tracer never uses. With tracing on (``Tracing: Active``
in AWS) it is the real Powertools ``Tracer``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "exam-grader")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ExamOverflow")
F = TypeVar("F", bound=Callable[..., Any])


class NoTracer:
    """The decorators of ``Tracer`` that this function uses, doing nothing."""

    def capture_lambda_handler(self, handler: F) -> F:
        return handler

    def capture_method(self, method: F) -> F:
        return method


def tracing_disabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in (
        "1", "true", "yes", "on"
    )  # fmt: skip


class TracerLike(Protocol):
    def capture_lambda_handler(self, handler: F) -> F: ...

    def capture_method(self, method: F) -> F: ...


def _tracer() -> TracerLike:
    if tracing_disabled():
        return NoTracer()
    from aws_lambda_powertools import Tracer

    real: Any = Tracer(service=SERVICE)  # its decorators are typed loosely upstream
    return real  # type: ignore[no-any-return]


logger = Logger(service=SERVICE)
tracer = _tracer()
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
