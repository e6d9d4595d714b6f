"""Sandbox runner for untrusted Python programs (code questions).

Used by ``assessment_engine.grading.code`` on grader workers and inside the Lambda grading
function. Layers (see ``docs/sandbox.md``): rlimits + empty environment + private work dir +
wall-clock kill always; a unique unprivileged uid on root hosts; Linux namespaces with a minimal
read-only root where the host allows; a seccomp filter where the kernel takes it; a CPython
audit hook as defence in depth.

    from assessment_engine.sandbox import RunRequest, SandboxPool, default_pool
"""

from __future__ import annotations

from assessment_engine.sandbox.errors import (
    SandboxCrashedError,
    SandboxError,
    SandboxUnavailableError,
)
from assessment_engine.sandbox.models import RunLimits, RunRequest, RunResult
from assessment_engine.sandbox.pool import SandboxPool, default_pool, detect_layer

__all__ = [
    "RunLimits",
    "RunRequest",
    "RunResult",
    "SandboxCrashedError",
    "SandboxError",
    "SandboxPool",
    "SandboxUnavailableError",
    "default_pool",
    "detect_layer",
]
