"""Settings of the analytics deployable (env prefix ``PLATFORM_ANALYTICS_``)."""

from __future__ import annotations

import socket
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_services.analytics.models import Thresholds


class AnalyticsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PLATFORM_ANALYTICS_", env_nested_delimiter="__", extra="ignore"
    )

    redis_url: str = "redis://localhost:6379/0"
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed (the web pages), JSON list."
    )
    jwks_url: str = "http://identity.exams.svc/.well-known/jwks.json"
    jwt_issuer: str = "http://identity.exams.svc"
    jwt_audience: str = "exam-platform"
    consumer_group: str = "analytics"
    consumer_name: str = Field(default_factory=socket.gethostname)
    consume: bool = Field(default=True, description="Run the event consumer in this process.")
    read_block_ms: int = Field(default=1000, ge=1)
    read_count: int = Field(default=200, ge=1)
    claim_idle_ms: int = Field(
        default=60_000, ge=1, description="Take over events pending this long at another consumer."
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)


@lru_cache(maxsize=1)
def get_settings() -> AnalyticsSettings:
    return AnalyticsSettings()
