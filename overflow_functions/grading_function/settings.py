"""Environment settings of the grading function, parsed once at cold start by ``app.py``.

Env prefix ``GRADING_FUNCTION_``. With ``IDEMPOTENCY_TABLE`` set, Powertools idempotency stores
results in that DynamoDB table (``DYNAMODB_ENDPOINT_URL`` points it at moto locally); without
it grading is pure recomputation, which is deterministic and therefore also idempotent.
``WARM_SANDBOX`` starts the code sandbox (its probe and one warm zygote per core) during init,
so the first batch with code questions does not pay that start-up (about 1 s) inside an invoke;
the sandbox itself reads its own ``SANDBOX_*`` variables (``docs/sandbox.md``).
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
    warm_sandbox: bool = Field(
        default=True, description="Start the code sandbox's zygotes at cold start (init)."
    )
