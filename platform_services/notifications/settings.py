"""Settings of the notifications deployable (env prefix ``PLATFORM_NOTIFY_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATFORM_NOTIFY_", extra="ignore")

    redis_url: str = "redis://localhost:6379/0"
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed (the web pages), JSON list."
    )
    jwks_url: str = "http://identity.exams.svc/.well-known/jwks.json"
    jwt_issuer: str = "http://identity.exams.svc"
    jwt_audience: str = "exam-platform"
    client_queue_size: int = Field(
        default=256, ge=1, description="Events buffered per client before it is dropped."
    )
    max_streams: int = Field(default=5000, ge=1, description="Open streams per replica.")
    replay_page: int = Field(default=500, ge=1, description="XRANGE page size for replays.")
    tail_block_ms: int = Field(default=1000, ge=1)
    tail_count: int = Field(default=500, ge=1)
    backlog_interval_seconds: float = Field(default=5.0, gt=0)
    ping_seconds: float = Field(default=15.0, gt=0)
    send_timeout_seconds: float = Field(default=30.0, gt=0)
    retry_ms: int = Field(default=2000, ge=0, description="SSE `retry:` sent to clients.")


@lru_cache(maxsize=1)
def get_settings() -> NotifySettings:
    return NotifySettings()
