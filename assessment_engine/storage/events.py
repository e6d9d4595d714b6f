"""Domain events on the Redis stream ``events:domain``: publishing and typed reading.

The assessment service (API, storage, workers) publishes with :func:`publish_event`; platform
services (notifications, analytics) read with :class:`EventReader` (a consumer group, at least
once: acknowledge after handling) or :func:`read_events` (plain XREAD from an id). Entry fields
follow ``docs/contracts.md``: ``type``, ``event_id``, ``occurred_at``, ``exam_id``, ``data``
(JSON object). Schemas per type: ``docs/events.md``. ``data`` never carries answer keys.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, get_args

import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict, Field
from redis.exceptions import ResponseError

from assessment_engine.storage import keys
from assessment_engine.storage._redis import rfc3339, text, text_map, utc_now

EventType = Literal[
    "submission.accepted",
    "submission.graded",
    "exam.closed",
    "results.released",
    "attempt.started",
    "attempt.paused",
    "attempt.resumed",
    "attempt.extended",
    "attempt.terminated",
    "attempt.submitted",
    "attempt.accommodation_changed",
]
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
STREAM_MAXLEN = 1_000_000
_NAMESPACE = uuid.UUID("6f6c8e63-3c57-4a44-9a50-8f6b5b0e3f21")


class DomainEvent(BaseModel):
    """One entry of ``events:domain``, parsed."""

    model_config = ConfigDict(frozen=True)

    stream_id: str
    type: str = Field(description="One of EVENT_TYPES; unknown (newer) types pass through.")
    event_id: str
    occurred_at: datetime
    exam_id: str
    data: dict[str, Any]


def stable_event_id(*parts: object) -> str:
    """A deterministic event id (uuid5) for events a retry may publish twice."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


async def publish_event(
    redis: aioredis.Redis,
    type: EventType,
    exam_id: str,
    data: Mapping[str, Any],
    *,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> str:
    """Append one event to ``events:domain`` (MAXLEN ~ 1,000,000); returns its stream id.

    Consumers de-duplicate by ``event_id``: publishers that may run twice pass a stable id
    (:func:`stable_event_id`), e.g. ``submission.graded`` uses (exam, submission, key version).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    fields = {
        "type": type,
        "event_id": event_id or str(uuid.uuid4()),
        "occurred_at": rfc3339(occurred_at or utc_now()),
        "exam_id": exam_id,
        "data": json.dumps(dict(data), sort_keys=True, default=str),
    }
    entry = await redis.xadd(
        keys.DOMAIN_EVENTS,
        fields,  # type: ignore[arg-type]
        maxlen=STREAM_MAXLEN,
        approximate=True,
    )
    return text(entry)


def parse_event(entry_id: Any, fields: Any) -> DomainEvent:
    values = text_map(fields)
    return DomainEvent(
        stream_id=text(entry_id),
        type=values["type"],
        event_id=values["event_id"],
        occurred_at=datetime.fromisoformat(values["occurred_at"]),
        exam_id=values["exam_id"],
        data=json.loads(values["data"]),
    )


async def read_events(
    redis: aioredis.Redis, after: str = "0-0", count: int = 100, block_ms: int | None = None
) -> list[DomainEvent]:
    """Events after stream id ``after`` (plain XREAD: no group, nothing acknowledged)."""
    reply: Any = await redis.xread({keys.DOMAIN_EVENTS: after}, count=count, block=block_ms)
    return [parse_event(eid, fields) for _stream, entries in reply or [] for eid, fields in entries]


class EventReader:
    """A consumer-group reader of ``events:domain`` (at least once: ack after handling).

    ``group`` is the consuming service (``notifications``, ``analytics``); each replica uses its
    own ``consumer`` name. New groups start at ``start_id`` (``$``: only new events).
    """

    def __init__(
        self, redis: aioredis.Redis, group: str, consumer: str, start_id: str = "$"
    ) -> None:
        self._redis = redis
        self.group = group
        self.consumer = consumer
        self._start_id = start_id
        self._ready = False

    async def _ensure_group(self) -> None:
        if self._ready:
            return
        try:
            await self._redis.xgroup_create(
                keys.DOMAIN_EVENTS, self.group, id=self._start_id, mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._ready = True

    async def read(self, count: int = 100, block_ms: int | None = 1000) -> list[DomainEvent]:
        """New events for this group; first re-reads this consumer's unacknowledged ones."""
        await self._ensure_group()
        pending: Any = await self._redis.xreadgroup(
            self.group, self.consumer, {keys.DOMAIN_EVENTS: "0"}, count=count
        )
        events = [parse_event(eid, f) for _s, entries in pending or [] for eid, f in entries if f]
        if events:
            return events
        reply: Any = await self._redis.xreadgroup(
            self.group, self.consumer, {keys.DOMAIN_EVENTS: ">"}, count=count, block=block_ms
        )
        return [parse_event(eid, f) for _s, entries in reply or [] for eid, f in entries]

    async def ack(self, *events: DomainEvent) -> int:
        """Acknowledge handled events (they are not redelivered to this group)."""
        if not events:
            return 0
        return int(
            await self._redis.xack(keys.DOMAIN_EVENTS, self.group, *[e.stream_id for e in events])
        )
