"""The operator's one pydantic-settings model (environment prefix ``OPERATOR_``).

Validated once at start-up by the Kopf start-up handler and by local mode, then passed to the
adapters. Nothing here is per-policy: policies carry their own Prometheus URL and thresholds.
"""

from __future__ import annotations

import sys

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OperatorSettings(BaseSettings):
    """Process-wide configuration of the operator (Kopf or local mode)."""

    model_config = SettingsConfigDict(env_prefix="OPERATOR_", extra="ignore")

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Redis holding decision records."
    )
    lambda_endpoint_url: str | None = Field(
        default=None, description="Lambda API endpoint (local Lambda service); None = AWS."
    )
    aws_region: str = Field(default="us-east-1", description="Region of the Lambda function.")
    assessment_token: str | None = Field(
        default=None, description="Service token for the assessment schedule endpoint."
    )
    schedule_refresh_seconds: float = Field(
        default=15.0, gt=0, description="How often the exam schedule is re-read."
    )
    kube_api_url: str | None = Field(
        default=None,
        description="Kubernetes API URL for the replicas adapter; None = in-cluster/kubeconfig.",
    )
    metrics_port: int | None = Field(
        default=None, description="Serve operator_* Prometheus metrics on this port."
    )
    worker_command: list[str] = Field(
        default_factory=lambda: [sys.executable, "-m", "assessment_engine.worker"],
        description="Local mode: command that starts one grader worker.",
    )
    worker_metrics_base_port: int | None = Field(
        default=None,
        description="Local mode: worker i serves /metrics on base + i (scrape these ports).",
    )
    worker_stop_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Local mode: wait this long for a worker to drain."
    )
    http_timeout_seconds: float = Field(default=3.0, gt=0, description="HTTP call timeout.")
