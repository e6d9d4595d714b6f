"""The decision record: the one contract between the operator (writer) and dispatchers (readers).

Documented in ``docs/decision-record.md``; both sides test against that document. The operator
publishes one record per grading queue under ``overflow:decision:{<queue>}`` (JSON, with a TTL a
little beyond ``valid_until``) and a notice on the ``overflow:decision-notices`` channel so that
dispatchers react at once. A dispatcher ignores records older (lower ``generation``) than one it
has seen, and applies ``on_expiry`` once ``valid_until`` passes without a newer record.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Mode = Literal["cluster", "overflow", "prewarm"]
OnExpiry = Literal["hold", "cluster", "overflow"]

NOTICE_CHANNEL = "overflow:decision-notices"
TTL_MARGIN = timedelta(seconds=30)

# Publish only if the stored record's generation is lower (monotonic across operator restarts).
_PUBLISH_LUA = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, doc = pcall(cjson.decode, current)
  if ok and doc['generation'] and tonumber(doc['generation']) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
"""


def decision_key(queue: str) -> str:
    """Redis key of the decision record for grading queue ``queue`` (hash-tagged by queue)."""
    return f"overflow:decision:{{{queue}}}"


class DecisionRecord(BaseModel):
    """What the operator decided for one grading queue, valid until ``valid_until``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Literal[1] = 1
    queue: str = Field(description="Grading queue this record governs, e.g. 'grading'.")
    policy: str = Field(description="OverflowPolicy as 'namespace/name'.")
    generation: int = Field(ge=0, description="Monotonic; readers ignore lower generations.")
    mode: Mode
    max_lambda_concurrency: int = Field(ge=0)
    batch_size: int = Field(ge=1, le=100)
    function: str = Field(description="Lambda function name or ARN.")
    qualifier: str | None = Field(default=None, description="Alias or version, e.g. 'live'.")
    reasons: tuple[str, ...] = ()
    utilization: float | None = Field(default=None, description="Last observed; None = unknown.")
    issued_at: AwareDatetime
    valid_until: AwareDatetime
    on_expiry: OnExpiry = "cluster"
    dry_run: bool = False

    def is_expired(self, now: datetime) -> bool:
        return now >= self.valid_until

    def to_json(self) -> str:
        return self.model_dump_json()


def effective_mode(
    record: DecisionRecord | None, now: datetime, default_on_missing: OnExpiry = "cluster"
) -> tuple[Mode, str]:
    """The mode a dispatcher must obey now, and why.

    A missing record means ``default_on_missing``; an expired one means its ``on_expiry``
    (``hold`` keeps the record's mode). A dry-run record never makes anyone spill.
    """
    if record is None:
        mode: Mode = "cluster" if default_on_missing == "hold" else default_on_missing
        return mode, f"no decision record; outage behaviour {default_on_missing!r}"
    if record.dry_run:
        return "cluster", "decision is dry-run: computed and reported, not acted on"
    if record.is_expired(now):
        if record.on_expiry == "hold":
            return record.mode, f"decision expired at {record.valid_until.isoformat()}; holding"
        return record.on_expiry, (
            f"decision expired at {record.valid_until.isoformat()}; on_expiry={record.on_expiry}"
        )
    return record.mode, "; ".join(record.reasons) or "current decision"


def parse_record(raw: bytes | str | None) -> DecisionRecord | None:
    if raw is None:
        return None
    return DecisionRecord.model_validate_json(raw)


async def read_decision(redis: Any, queue: str) -> DecisionRecord | None:
    """Read the current record for ``queue`` (``redis`` is a redis.asyncio client)."""
    return parse_record(await redis.get(decision_key(queue)))


async def publish_decision(redis: Any, record: DecisionRecord, now: datetime | None = None) -> bool:
    """Store ``record`` with a TTL of ``valid_until + TTL_MARGIN`` and notify dispatchers.

    Returns False (and changes nothing) when a record with an equal or higher generation is
    already stored. Safe to call twice with the same record: the second call is a no-op.
    """
    now = now or datetime.now(UTC)
    ttl_ms = max(1, int((record.valid_until + TTL_MARGIN - now).total_seconds() * 1000))
    notice = json.dumps(
        {"queue": record.queue, "generation": record.generation, "mode": record.mode}
    )
    stored = await redis.eval(
        _PUBLISH_LUA,
        1,
        decision_key(record.queue),
        record.to_json(),
        record.generation,
        ttl_ms,
        NOTICE_CHANNEL,
        notice,
    )
    return bool(stored)


async def clear_decision(redis: Any, queue: str) -> None:
    """Delete the record (operator finalizer on policy delete) and notify dispatchers."""
    await redis.delete(decision_key(queue))
    await redis.publish(NOTICE_CHANNEL, json.dumps({"queue": queue, "generation": None}))
