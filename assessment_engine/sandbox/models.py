"""What one sandboxed run takes and gives back.

``RunRequest`` is built by ``assessment_engine.grading.code`` (one per test case) and passed to
``SandboxPool.run``; ``RunResult`` is the machine verdict before any comparison with expected
values, which never enter the sandbox.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Isolation = Literal["auto", "namespaces", "rlimit"]
Layer = Literal["namespaces", "namespaces+userns", "rlimit"]
Outcome = Literal[
    "ok", "time_limit", "memory_limit", "output_limit", "runtime_error", "internal_error"
]


class RunLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: float = Field(default=2.0, gt=0, le=60)
    wall_seconds: float = Field(default=5.0, gt=0, le=120)
    memory_mb: int = Field(default=256, ge=16, le=4096)
    output_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    stderr_bytes: int = Field(default=16_384, ge=1024, le=1_000_000)
    file_bytes: int = Field(default=1_048_576, ge=0, le=100_000_000)
    processes: int = Field(default=1, ge=1, le=64)


class RunRequest(BaseModel):
    """One program execution: stdin/stdout (``call`` is None) or a function call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    stdin: str = ""
    call: str | None = None
    limits: RunLimits = RunLimits()
    audit_hook: bool = Field(default=True, description="CPython audit hook (defence in depth).")
    seccomp: bool = Field(default=True, description="Seccomp filter, where the kernel takes it.")
    landlock: bool = Field(
        default=True, description="Landlock file confinement, where the kernel has it."
    )


class RunResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    layer: Layer
    stdout: str = ""
    stderr: str = ""
    value_json: str | None = Field(default=None, description="json.dumps of the call's value.")
    exit_code: int | None = None
    signal: int | None = None
    error_type: str | None = None
    traceback: str = ""
    reason: str = Field(default="", description="Why the outcome, for people; no host paths.")
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
