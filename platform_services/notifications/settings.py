"""Settings of the notifications deployable (env prefix ``PLATFORM_NOTIFY_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
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
    presence_beat_seconds: float = Field(
        default=10.0, gt=0, description="How often a student's page beats its exam stream."
    )
    presence_ttl_seconds: float = Field(
        default=25.0, gt=0, description="A stream without a beat for this long is lost."
    )
    presence_grace_seconds: float = Field(
        default=10.0, ge=0, description="A lost student shows as reconnecting for this long."
    )
    presence_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often proctor streams re-read an exam's presence."
    )
    presence_retention_seconds: int = Field(
        default=86_400, ge=60, description="Presence keys expire this long after their last write."
    )

    @model_validator(mode="after")
    def _beats_fit_in_the_ttl(self) -> NotifySettings:
        if self.presence_ttl_seconds < 2 * self.presence_beat_seconds:
            raise ValueError("presence_ttl_seconds must be at least 2 x presence_beat_seconds")
        return self


@lru_cache(maxsize=1)
def get_settings() -> NotifySettings:
    return NotifySettings()
