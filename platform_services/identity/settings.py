"""Settings of the identity deployable (env prefix ``PLATFORM_IDENTITY_``), checked at start."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATFORM_IDENTITY_", extra="ignore")

    redis_url: str = "redis://localhost:6379/0"
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed (the web pages), JSON list."
    )
    issuer: str = Field(default="http://identity.exams.svc", description="`iss` of every token.")
    audience: str = "exam-platform"
    access_ttl_seconds: int = Field(default=300, ge=10, le=3600)
    service_token_ttl_seconds: int = Field(default=300, ge=10, le=3600)
    refresh_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    key_rotation_seconds: int = Field(
        default=7 * 86400,
        ge=0,
        description="Rotate the signing key this often; 0 = only on request.",
    )
    key_cache_seconds: float = Field(default=2.0, ge=0, description="Active-key cache per replica.")
    clock_leeway_seconds: int = Field(default=30, ge=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    login_account_max_failures: int = Field(default=5, ge=1)
    login_account_window_seconds: int = Field(default=900, ge=1)
    login_address_max_attempts: int = Field(default=30, ge=1)
    login_address_window_seconds: int = Field(default=60, ge=1)
    trust_forwarded_for: bool = Field(
        default=False, description="Take the client address from X-Forwarded-For (behind ingress)."
    )
    roster_max_rows: int = Field(default=5000, ge=1)
    bootstrap_admin_username: str | None = None
    bootstrap_admin_password: SecretStr | None = None
    bootstrap_admin_org: str = "platform"

    @model_validator(mode="after")
    def _bootstrap_pair(self) -> IdentitySettings:
        if (self.bootstrap_admin_username is None) != (self.bootstrap_admin_password is None):
            raise ValueError("set both bootstrap_admin_username and bootstrap_admin_password")
        if self.argon2_memory_cost_kib < 8 * self.argon2_parallelism:
            raise ValueError("argon2 memory cost must be at least 8 KiB per lane")
        return self

    @property
    def longest_token_ttl(self) -> int:
        return max(self.access_ttl_seconds, self.service_token_ttl_seconds)


@lru_cache(maxsize=1)
def get_settings() -> IdentitySettings:
    return IdentitySettings()
