"""Settings of the assessment API deployable (env prefix ``ASSESSMENT_``), validated at start.

Built once by ``create_app`` (or ``assessment-engine serve``) and injected into routes and
services with ``Depends(get_settings)``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_max_connections: int = Field(default=256, ge=1, le=10_000)
    redis_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, description="A request waits this long for a pooled connection."
    )
    jwks_url: str | None = Field(
        default=None, description="Identity service JWKS (``/.well-known/jwks.json``)."
    )
    jwt_issuer: str = "https://identity.exam-platform.local"
    jwt_audience: str = "exam-platform"
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    jwks_cache_seconds: float = Field(default=300.0, gt=0)
    jwks_min_refetch_seconds: float = Field(
        default=5.0, ge=0, description="Unknown-kid refetches are at most this frequent."
    )
    dev_issuer: bool = Field(
        default=False, description="Development issuer: Ed25519 key + POST /v1/dev/tokens."
    )
    dev_token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    dev_issuer_secret: SecretStr | None = Field(
        default=None,
        description="Derive the dev key from this secret (shared by several API processes).",
    )
    token_cache_size: int = Field(
        default=50_000, ge=0, description="Verified tokens remembered per process (0: off)."
    )
    token_cache_seconds: float = Field(
        default=300.0, ge=0, description="A remembered token is re-verified after this long."
    )
    exam_cache_size: int = Field(
        default=256, ge=1, description="Parsed exam definitions remembered per process."
    )
    admission_rate_per_second: float = Field(
        default=50.0, gt=0, description="Attempt starts admitted per second and exam."
    )
    admission_burst: int = Field(default=100, ge=1)
    max_request_bytes: int = Field(default=2_000_000, ge=1024)
    sweeper_enabled: bool = True
    sweeper_interval_seconds: float = Field(default=1.0, gt=0)
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed (the web pages), JSON list."
    )
    grading_queue: str = Field(
        default="grading", description="Queue whose decision record GET /v1/grading/decision reads."
    )
    workers: int = Field(default=1, ge=1, le=64, description="``serve``: API processes.")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)

    @model_validator(mode="after")
    def _some_issuer(self) -> ApiSettings:
        if self.jwks_url is None and not self.dev_issuer:
            raise ValueError(
                "set ASSESSMENT_JWKS_URL, or ASSESSMENT_DEV_ISSUER=true for development"
            )
        return self
