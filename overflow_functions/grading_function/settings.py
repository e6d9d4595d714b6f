"""Environment settings of the grading function, parsed once at cold start by ``app.py``.

Env prefix ``GRADING_FUNCTION_``. With ``IDEMPOTENCY_TABLE`` set, Powertools idempotency stores
results in that DynamoDB table (``DYNAMODB_ENDPOINT_URL`` points it at moto locally); without
it grading is pure recomputation, which is deterministic and therefore also idempotent.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRADING_FUNCTION_", extra="ignore")

    idempotency_table: str | None = Field(default=None, description="DynamoDB table name.")
    idempotency_ttl_seconds: int = Field(default=3600, ge=60)
    dynamodb_endpoint_url: str | None = Field(
        default=None, description="Only for local stand-ins (moto); unset in AWS."
    )
    max_batch_size: int = Field(default=100, ge=1, le=1000)
