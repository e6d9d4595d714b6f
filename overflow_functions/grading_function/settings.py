"""Environment settings of the grading function, parsed once at cold start by ``app.py``.

Env prefix ``GRADING_FUNCTION_``. With ``IDEMPOTENCY_TABLE`` set, Powertools idempotency stores
results in that DynamoDB table (``DYNAMODB_ENDPOINT_URL`` points it at moto locally); without
it grading is pure recomputation, which is deterministic and therefore also idempotent.
``SANDBOX_START`` says when the code sandbox (its probe and one zygote per core) starts:
``init``, ``background`` (default: a thread started during init, so init does not wait and the
first code item waits only for what is left) or ``first_use``; ``WARM_SANDBOX=false`` (older
setting) means ``first_use``. The sandbox reads its own ``SANDBOX_*`` variables
(``docs/sandbox.md``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRADING_FUNCTION_", extra="ignore")

    idempotency_table: str | None = Field(default=None, description="DynamoDB table name.")
    idempotency_ttl_seconds: int = Field(default=3600, ge=60)
    dynamodb_endpoint_url: str | None = Field(
        default=None, description="Only for local stand-ins (moto); unset in AWS."
    )
    max_batch_size: int = Field(default=100, ge=1, le=1000)
    sandbox_start: Literal["init", "background", "first_use"] = Field(
        default="background", description="When the code sandbox's zygotes start."
    )
    warm_sandbox: bool = Field(default=True, description="False: same as sandbox_start=first_use.")

    @model_validator(mode="after")
    def _legacy_warm_sandbox(self) -> FunctionSettings:
        if not self.warm_sandbox:
            self.sandbox_start = "first_use"
        return self
