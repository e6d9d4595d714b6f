"""Publish the operator's decision as the decision record in Redis (``docs/decision-record.md``).

Builds the ``DecisionRecord`` from an engine ``Decision`` and publishes it with
``publish_decision`` (generation-guarded Lua, TTL, notice); ``clear`` is the finalizer's path.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from assessment_engine.contracts.decision_record import (
    DecisionRecord,
    clear_decision,
    publish_decision,
)
from autoscaler_operator.decision import Decision
from autoscaler_operator.errors import ActuationError
from autoscaler_operator.policy import OverflowPolicySpec


def build_record(policy_key: str, spec: OverflowPolicySpec, decision: Decision) -> DecisionRecord:
    """The record dispatchers read for this decision (pure)."""
    return DecisionRecord(
        queue=spec.queue,
        policy=policy_key,
        generation=decision.generation,
        mode=decision.mode,
        max_lambda_concurrency=decision.max_lambda_concurrency,
        batch_size=decision.batch_size,
        function=spec.lambda_.function_name,
        qualifier=spec.lambda_.qualifier,
        reasons=decision.reasons,
        utilization=decision.utilization,
        issued_at=decision.issued_at,
        valid_until=decision.valid_until,
        on_expiry=spec.outage.behavior,
        dry_run=decision.dry_run,
    )


class DecisionPublisher:
    """Writes decision records to one Redis."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    @classmethod
    def from_url(cls, url: str) -> DecisionPublisher:
        return cls(aioredis.Redis.from_url(url))

    async def publish(self, policy_key: str, spec: OverflowPolicySpec, decision: Decision) -> bool:
        record = build_record(policy_key, spec, decision)
        try:
            return await publish_decision(self.redis, record, now=decision.issued_at)
        except Exception as exc:
            raise ActuationError(f"publishing the decision failed: {exc!r}") from exc

    async def clear(self, queue: str) -> None:
        try:
            await clear_decision(self.redis, queue)
        except Exception as exc:
            raise ActuationError(f"clearing the decision failed: {exc!r}") from exc

    async def close(self) -> None:
        await self.redis.aclose()
