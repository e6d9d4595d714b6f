"""Settings of the overflow dispatcher deployable (env prefix ``OVERFLOW_DISPATCHER_``).

Validated once by ``assessment-engine dispatcher``; CLI flags override env. The Lambda endpoint
is a plain setting (unset in AWS); the code never knows whether it talks to AWS or to the local
Lambda service. Botocore choices are explained in ``docs/overflow.md``.
"""

from __future__ import annotations

import os
import socket
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assessment_engine.overflow.cost import LIST_PRICES


def _default_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class DispatcherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OVERFLOW_DISPATCHER_", extra="forbid")

    redis_url: str = "redis://127.0.0.1:6379/0"
    queue: str = Field(default="grading", description="Decision-record queue name.")
    dispatcher_id: str = Field(default_factory=_default_id, min_length=1)
    group: str = "graders"
    lease_ms: int = Field(default=30_000, ge=100)
    max_deliveries: int = Field(default=5, ge=1)
    claim_block_ms: int = Field(default=200, ge=1, le=5000)
    poll_interval_s: float = Field(default=0.5, gt=0, le=1.0, description="Decision poll (≤1 s).")
    on_missing: Literal["hold", "cluster", "overflow"] = Field(
        default="cluster", description="Outage behaviour when no decision record exists."
    )
    max_concurrency_cap: int = Field(
        default=64, ge=1, description="Local hard cap on concurrent invokes (and thread pool)."
    )
    function_override: str | None = Field(
        default=None, description="Invoke this function instead of the record's."
    )

    # botocore / Lambda client
    lambda_endpoint_url: str | None = Field(default=None, description="Unset in AWS.")
    region: str = "us-east-1"
    function_timeout_s: float = Field(default=30.0, gt=0, le=900, description="SAM Timeout.")
    read_timeout_margin_s: float = Field(default=10.0, ge=1)
    connect_timeout_s: float = Field(default=2.0, gt=0)
    total_max_attempts: int = Field(
        default=1, ge=1, le=3, description="botocore attempts per invoke (1 = no retries)."
    )

    # back-off after throttles / errors (exponential, full jitter)
    backoff_base_s: float = Field(default=0.2, gt=0)
    backoff_max_s: float = Field(default=10.0, gt=0)

    # cost model
    function_memory_mb: int = Field(default=1024, ge=128, le=10240)
    price_per_gb_second: float = LIST_PRICES.gb_second
    price_per_request: float = LIST_PRICES.request

    metrics_port: int | None = Field(default=None, ge=0, le=65535)

    @property
    def consumer(self) -> str:
        return f"dispatcher-{self.dispatcher_id}"

    @property
    def read_timeout_s(self) -> float:
        return self.function_timeout_s + self.read_timeout_margin_s

    @model_validator(mode="after")
    def _backoff_order(self) -> DispatcherSettings:
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be >= backoff_base_s")
        return self
