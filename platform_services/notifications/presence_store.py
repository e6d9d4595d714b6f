"""Redis storage of presence, shared by every notifications replica (Lua, Redis server time).

Called by ``notifications.tracker`` only. Two keys per exam, hash-tagged like the engine's
(``exam:{<exam>}:...``), so each script touches one Redis Cluster slot:

* ``exam:{e}:presence:streams``  sorted set ``<student>|<connection>`` -> expiry (epoch ms): one
  member per open student stream, added when the stream opens, its expiry pushed
  ``ttl`` ahead by each beat of the page, removed when the stream closes;
* ``exam:{e}:presence:lost``     sorted set ``<student>`` -> when their last stream was lost
  (closed, or found expired), raised only (``ZADD GT``).

Every time comes from ``TIME`` inside the scripts, so replicas with skewed clocks agree. An
expired member (its page stopped beating: network gone, tab frozen, the holding replica killed)
is moved to ``lost`` at its expiry time by the next read or beat. Both keys expire
``retention`` seconds after their last write. Redis failures become ``PresenceUnavailableError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from assessment_engine.storage.keys import exam_prefix
from platform_services.notifications.errors import PresenceUnavailableError
from platform_services.notifications.presence import member

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: streams, lost. ARGV: member, ttl_ms, retention_s.
_OPEN = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return now
"""
)

# KEYS: streams, lost. ARGV: member, student, ttl_ms, retention_s. 1 = refreshed, 0 = gone.
_BEAT = (
    _NOW
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
if tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[2], 'GT', score, ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
)

# KEYS: streams, lost. ARGV: member, student, retention_s. 1 = was registered.
_CLOSE = (
    _NOW
    + """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', now, ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return removed
"""
)

# KEYS: streams, lost. ARGV: retention_s. -> {now, {live members}, {lost student, ms, ...}}
_READ = (
    _NOW
    + """
local expired = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'WITHSCORES')
for i = 1, #expired, 2 do
  local entry = expired[i]
  local student = string.match(entry, '^(.*)|[^|]*$') or entry
  redis.call('ZADD', KEYS[2], 'GT', expired[i + 1], student)
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
return {now, live, redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')}
"""
)


def streams_key(exam_id: str) -> str:
    """Sorted set: ``<student>|<connection>`` -> expiry (epoch ms) of each open student stream."""
    return f"{exam_prefix(exam_id)}:presence:streams"


def lost_key(exam_id: str) -> str:
    """Sorted set: student -> when their last stream was lost (epoch ms)."""
    return f"{exam_prefix(exam_id)}:presence:lost"


@dataclass(frozen=True)
class PresenceState:
    """One read of an exam's presence: Redis time, live members, loss time per student."""

    now_ms: int
    live: list[str]
    lost_ms: dict[str, float]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PresenceStore:
    def __init__(self, redis: aioredis.Redis, *, ttl_seconds: float, retention_seconds: int):
        self._ttl_ms = int(ttl_seconds * 1000)
        self._retention = retention_seconds
        self._open = redis.register_script(_OPEN)
        self._beat = redis.register_script(_BEAT)
        self._close = redis.register_script(_CLOSE)
        self._read = redis.register_script(_READ)

    async def open(self, exam_id: str, student_id: str, connection_id: str) -> None:
        """Register a stream, live for ``ttl`` unless beaten. Idempotent per connection."""
        await self._call(
            self._open, exam_id, [member(student_id, connection_id), self._ttl_ms, self._retention]
        )

    async def beat(self, exam_id: str, student_id: str, connection_id: str) -> bool:
        """Push the stream's expiry ``ttl`` ahead; False if it is closed or already expired."""
        entry = member(student_id, connection_id)
        args: list[str | int] = [entry, student_id, self._ttl_ms, self._retention]
        return bool(await self._call(self._beat, exam_id, args))

    async def close(self, exam_id: str, student_id: str, connection_id: str) -> bool:
        """Remove the stream and note the loss; True if it was still registered."""
        args: list[str | int] = [member(student_id, connection_id), student_id, self._retention]
        return bool(await self._call(self._close, exam_id, args))

    async def read(self, exam_id: str) -> PresenceState:
        """Live streams and loss times; expired streams are moved to the lost set first."""
        now, live, lost = await self._call(self._read, exam_id, [self._retention])
        pairs = [_text(v) for v in lost]
        return PresenceState(
            now_ms=int(now),
            live=[_text(v) for v in live],
            lost_ms={pairs[i]: float(pairs[i + 1]) for i in range(0, len(pairs), 2)},
        )

    async def _call(self, script: AsyncScript, exam_id: str, args: list[str | int]) -> Any:
        try:
            return await script(keys=[streams_key(exam_id), lost_key(exam_id)], args=args)
        except (RedisError, OSError) as exc:
            raise PresenceUnavailableError(
                "presence cannot be read or written now; retry", {"exam_id": exam_id}
            ) from exc
