"""Function definitions and service settings of the local Lambda service.

``load_functions`` reads the YAML config file given to ``assessment-engine local-lambda``
(a list under ``functions:``); ``CreateFunction`` builds the same ``FunctionConfig`` from an API
request. ``LocalLambdaSettings`` is the service's one pydantic-settings model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LATEST = "$LATEST"
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
"""Variables Lambda sets itself and refuses in a function's configuration (AWS docs,
"Defined runtime environment variables"): code that reads them (the sandbox picks its layer from
``AWS_LAMBDA_FUNCTION_NAME``) sees what it would see in Lambda."""


def reserved_keys_error(environment: dict[str, str]) -> str | None:
    """Lambda's InvalidParameterValueException message for reserved keys, or None."""
    used = sorted(RESERVED_ENVIRONMENT.intersection(environment))
    if not used:
        return None
    return (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        f"for modification. Reserved keys used in this request: {', '.join(used)}"
    )


class FunctionConfig(BaseModel):
    """One function as the service runs it (a subset of Lambda's FunctionConfiguration)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    handler: str = Field(description="module.function, as in Lambda's Handler.")
    code_dir: Path = Field(description="Directory holding the code package (LAMBDA_TASK_ROOT).")
    runtime: str = "python3.12"
    timeout: float = Field(default=3.0, gt=0, le=900, description="Seconds, as Lambda Timeout.")
    memory_size: int = Field(default=128, ge=128, le=10240)
    environment: dict[str, str] = Field(default_factory=dict)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    aliases: dict[str, str] = Field(
        default_factory=lambda: {"live": "1"},
        description="Alias name -> version; every version named here runs the same code.",
    )
    description: str = ""

    @field_validator("environment")
    @classmethod
    def _not_reserved(cls, value: dict[str, str]) -> dict[str, str]:
        error = reserved_keys_error(value)
        if error is not None:
            raise ValueError(error)
        return value

    @field_validator("code_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    def versions(self) -> list[str]:
        return [LATEST, *sorted(set(self.aliases.values()))]

    def resolve(self, qualifier: str | None) -> str | None:
        """Version a qualifier names (alias, version or $LATEST), or None if unknown."""
        if qualifier in (None, "", LATEST):
            return LATEST
        if qualifier in self.aliases:
            return self.aliases[qualifier]
        if qualifier in self.aliases.values():
            return qualifier
        return None


class FunctionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    functions: list[FunctionConfig] = Field(default_factory=list)


def load_functions(path: Path) -> list[FunctionConfig]:
    """Parse a functions YAML file; relative ``code_dir`` values are relative to the file."""
    raw = yaml.safe_load(path.read_text()) or {}
    for entry in raw.get("functions", []):
        code_dir = Path(str(entry.get("code_dir", ".")))
        if not code_dir.is_absolute():
            entry["code_dir"] = str((path.parent / code_dir).resolve())
    return FunctionsFile.model_validate(raw).functions


MAX_REQUEST_BYTES = 8 * 1024 * 1024
"""The HTTP server's read bound: above every Invoke limit, so an oversized payload still gets
Lambda's typed 413; it also bounds a ``CreateFunction`` request (a zip of about 6 MB, base64)."""


class LocalLambdaSettings(BaseSettings):
    """Settings of the local Lambda service (env prefix ``LOCAL_LAMBDA_``)."""

    model_config = SettingsConfigDict(env_prefix="LOCAL_LAMBDA_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 9001
    region: str = "us-east-1"
    account_id: str = "123456789012"
    account_concurrency: int = Field(default=10, ge=1, description="Account concurrency limit.")
    min_unreserved_concurrency: int = Field(default=0, ge=0)
    python_executable: str = Field(default_factory=lambda: sys.executable)
    init_timeout: float = Field(default=10.0, gt=0, description="Lambda's 10 s init bound.")
    idle_timeout: float = Field(default=600.0, gt=0, description="Idle environments reaped.")
    event_retry_delay: float = Field(default=1.0, ge=0, description="Async retry delay (s).")
    event_max_retries: int = Field(default=2, ge=0, le=2)
    echo_logs: bool = Field(default=False, description="Copy function logs to stderr.")
    sync_payload_limit: int = Field(
        default=6 * 1024 * 1024, description="RequestResponse body limit (Lambda: 6 MB)."
    )
    async_payload_limit: int = Field(
        default=1024 * 1024, description="Event body limit (Lambda: 1 MB since October 2025)."
    )
    invoke_async_payload_limit: int = Field(
        default=256 * 1024, description="Deprecated InvokeAsync body limit (Lambda: 256 KB)."
    )
