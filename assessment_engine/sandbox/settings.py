"""Settings of the sandbox, read from ``SANDBOX_*`` environment variables by ``default_pool``.

Workers and the Lambda function share these; the Lambda function normally leaves
``SANDBOX_ISOLATION`` at ``auto`` (namespaces are refused there and detection says so).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assessment_engine.sandbox.models import Isolation


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore")

    isolation: Isolation = "auto"
    pool_size: int | None = Field(default=None, ge=1, le=256, description="Default: CPU count.")
