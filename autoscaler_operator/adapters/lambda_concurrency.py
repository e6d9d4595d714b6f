"""Lambda concurrency actuator: reserved and provisioned concurrency through boto3.

Reserved concurrency (``put_function_concurrency``) caps what the spill can use; provisioned
concurrency (``put_provisioned_concurrency_config`` on the alias) pre-warms before exams and is
deleted when the pre-warm ends. Calls are made only when a value changes. The endpoint URL comes
from ``OperatorSettings`` (the local Lambda service here, AWS in production).
"""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from autoscaler_operator.errors import ActuationError

_NOT_FOUND = {"ResourceNotFoundException", "ProvisionedConcurrencyConfigNotFoundException"}


def lambda_client(endpoint_url: str | None, region: str, timeout: float = 5.0) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=timeout,
                      read_timeout=timeout),
    )  # fmt: skip


class LambdaConcurrency:
    """Sets reserved/provisioned concurrency of one function alias, remembering what it set."""

    def __init__(self, client: Any, function: str, qualifier: str | None) -> None:
        self.client = client
        self.function = function
        self.qualifier = qualifier
        self.reserved: int | None = None
        self.provisioned: int | None = None

    def _put_reserved(self, value: int) -> None:
        self.client.put_function_concurrency(
            FunctionName=self.function, ReservedConcurrentExecutions=value
        )

    def _put_provisioned(self, value: int) -> None:
        if not self.qualifier:
            return  # provisioned concurrency needs an alias or version
        if value > 0:
            self.client.put_provisioned_concurrency_config(
                FunctionName=self.function,
                Qualifier=self.qualifier,
                ProvisionedConcurrentExecutions=value,
            )
            return
        try:
            self.client.delete_provisioned_concurrency_config(
                FunctionName=self.function, Qualifier=self.qualifier
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _NOT_FOUND:
                raise

    def _reset(self) -> None:
        self._put_provisioned(0)
        try:
            self.client.delete_function_concurrency(FunctionName=self.function)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _NOT_FOUND:
                raise

    async def apply(self, reserved: int, provisioned: int) -> None:
        """Make the function's concurrency ``reserved``/``provisioned`` (no call if unchanged)."""
        try:
            if reserved != self.reserved:
                await asyncio.to_thread(self._put_reserved, reserved)
                self.reserved = reserved
            if provisioned != self.provisioned:
                await asyncio.to_thread(self._put_provisioned, provisioned)
                self.provisioned = provisioned
        except (ClientError, BotoCoreError) as exc:
            raise ActuationError(f"setting Lambda concurrency of {self.function}: {exc}") from exc

    async def reset(self) -> None:
        """Remove reserved and provisioned concurrency (policy deleted)."""
        try:
            await asyncio.to_thread(self._reset)
        except (ClientError, BotoCoreError) as exc:
            raise ActuationError(f"resetting Lambda concurrency of {self.function}: {exc}") from exc
        self.reserved = None
        self.provisioned = None
