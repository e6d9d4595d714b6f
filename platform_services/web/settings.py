"""Settings of the web deployable (env prefix ``PLATFORM_WEB_``), validated at start-up.

The four base URLs are the ones a *browser* uses (public addresses behind the ingress, or
loopback ports on one machine); the pages read them from ``/config.json``. Each of those
services allows CORS from this service's origin (their ``cors_origins`` setting).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUILT = Path(__file__).resolve().parent / "static"


def _base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("a base URL starts with http:// or https://")
    return value.rstrip("/")


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLATFORM_WEB_", extra="ignore")

    api_url: str = Field(default="http://127.0.0.1:8080", description="Assessment API.")
    identity_url: str = Field(default="http://127.0.0.1:8010", description="Identity service.")
    notifications_url: str = Field(default="http://127.0.0.1:8011", description="SSE streams.")
    analytics_url: str = Field(default="http://127.0.0.1:8012", description="Item analysis.")
    static_dir: Path = Field(default=BUILT, description="The built pages (npm run build).")
    grading_queue: str = Field(default="grading", description="Queue whose decision is shown.")

    _urls = field_validator("api_url", "identity_url", "notifications_url", "analytics_url")(
        _base_url
    )

    def page_config(self) -> dict[str, str]:
        """What ``/config.json`` tells the pages."""
        return {
            "api_url": self.api_url,
            "identity_url": self.identity_url,
            "notifications_url": self.notifications_url,
            "analytics_url": self.analytics_url,
            "grading_queue": self.grading_queue,
        }


@lru_cache(maxsize=1)
def get_settings() -> WebSettings:
    return WebSettings()
