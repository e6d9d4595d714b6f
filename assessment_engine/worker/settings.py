"""Settings of the grader worker deployable (env prefix ``ASSESSMENT_WORKER_``).

Validated once at start-up by the ``assessment-engine worker`` command; CLI flags override env.
"""

from __future__ import annotations

import os
import socket
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_WORKER_", extra="forbid")

    redis_url: str = "redis://127.0.0.1:6379/0"
    concurrency: int = Field(default=2, ge=1, le=256, description="Grading slots of this worker.")
    worker_id: str = Field(default_factory=_default_worker_id, min_length=1)
    metrics_port: int | None = Field(default=None, ge=0, le=65535, description="None: no /metrics.")
    group: str = "graders"
    lease_ms: int = Field(default=30_000, ge=100, description="Lease of a claimed job.")
    heartbeat_ms: int | None = Field(default=None, description="Lease renewal; default lease/3.")
    max_deliveries: int = Field(default=5, ge=1)
    retry_in_ms: int = Field(default=1000, ge=0, description="Retry delay after a failure.")
    block_ms: int = Field(default=1000, ge=1, le=10_000)
    executor: Literal["process", "thread"] = Field(
        default="process", description="Where grade_submission runs; CPU-bound, off the loop."
    )
    queue_stats_interval_s: float = Field(default=1.0, gt=0)
    export_queue_stats: bool = True
    shutdown_timeout_s: float = Field(default=55.0, gt=0, description="Drain limit on SIGTERM.")
    debug_grade_delay_s: float = Field(
        default=0.0, ge=0, description="Test hook: sleep this long before grading each job."
    )
