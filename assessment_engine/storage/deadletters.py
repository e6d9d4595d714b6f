"""Dead-lettered grading jobs: moving a job there, listing them, retrying one.

:class:`GradingQueue` dead-letters a job after ``max_deliveries`` (``fail`` or a crash loop
seen at reclaim); the API's proctor routes list them and retry one after fixing the cause.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis.asyncio as aioredis

from assessment_engine.storage import keys
from assessment_engine.storage._redis import LuaScript, rfc3339, text, text_map, utc_now
from assessment_engine.storage.errors import DeadLetterNotFoundError
from assessment_engine.storage.models import DeadLetter, GradingJob

# KEYS: failures hash, grading stream, dead stream, counts hash
# ARGV: entry id, group, max deliveries, deliveries, error, exam, submission, key version,
#       now (RFC 3339), force (1: dead-letter regardless of the failure count)
_FAIL = LuaScript(
    """#!lua
local failures = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local max = tonumber(ARGV[3])
if ARGV[10] ~= '1' and failures < max and tonumber(ARGV[4]) < max then return 0 end
redis.call('XADD', KEYS[3], '*', 'exam_id', ARGV[6], 'submission_id', ARGV[7],
  'key_version', ARGV[8], 'original_entry_id', ARGV[1], 'deliveries', ARGV[4],
  'error', ARGV[5], 'dead_lettered_at', ARGV[9])
redis.call('XACK', KEYS[2], ARGV[2], ARGV[1])
redis.call('XDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'dead_lettered', 1)
return 1
"""
)

# KEYS: dead stream, grading stream; ARGV: dead id, enqueued_at
_RETRY = LuaScript(
    """#!lua
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then return false end
local f = {}
local raw = entries[1][2]
for i = 1, #raw, 2 do f[raw[i]] = raw[i + 1] end
local id = redis.call('XADD', KEYS[2], '*', 'exam_id', f['exam_id'],
  'submission_id', f['submission_id'], 'key_version', f['key_version'], 'enqueued_at', ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[1])
return id
"""
)


async def record_failure(
    redis: aioredis.Redis,
    job: GradingJob,
    group: str,
    error: str,
    max_deliveries: int,
    *,
    force: bool = False,
) -> bool:
    """Count a failed delivery of ``job``; dead-letter it at ``max_deliveries``. True if moved.

    Idempotency key: the job's stream entry id (once moved, the entry is gone from the stream
    and a repeated call only bumps a counter that the move deleted).
    """
    moved = await _FAIL(
        redis,
        [
            keys.failures(job.exam_id),
            job.stream,
            keys.dead_letters(job.exam_id),
            keys.counts(job.exam_id),
        ],
        [
            job.entry_id,
            group,
            max_deliveries,
            job.deliveries,
            error[:2000],
            job.exam_id,
            job.submission_id,
            job.key_version,
            rfc3339(utc_now()),
            int(force),
        ],
    )
    return bool(int(moved))


def _parse(entry_id: Any, fields: Any) -> DeadLetter:
    f = text_map(fields)
    return DeadLetter(
        dead_id=text(entry_id),
        exam_id=f["exam_id"],
        submission_id=f["submission_id"],
        key_version=int(f["key_version"]),
        original_entry_id=f["original_entry_id"],
        deliveries=int(f["deliveries"]),
        error=f["error"],
        dead_lettered_at=datetime.fromisoformat(f["dead_lettered_at"]),
    )


async def list_dead_letters(
    redis: aioredis.Redis, exam_id: str, count: int = 1000
) -> list[DeadLetter]:
    """Dead-lettered jobs of the exam, oldest first (proctor view)."""
    entries: Any = await redis.xrange(keys.dead_letters(exam_id), count=count)
    return [_parse(eid, fields) for eid, fields in entries or []]


_U64 = 2**64 - 1


def is_stream_id(entry_id: str) -> bool:
    """``ms-seq`` with both parts unsigned 64-bit integers (what Redis accepts as a stream id)."""
    ms, sep, seq = entry_id.partition("-")
    if not sep or not (ms.isascii() and ms.isdigit() and seq.isascii() and seq.isdigit()):
        return False
    return int(ms) <= _U64 and int(seq) <= _U64


async def retry_dead_letter(redis: aioredis.Redis, exam_id: str, dead_id: str) -> str:
    """Put a dead-lettered job back on the grading stream; returns the new entry id.

    Idempotency key: ``dead_id`` (the dead entry is removed in the same atomic step, so a
    repeated call raises ``DeadLetterNotFoundError`` instead of enqueuing twice). An id that
    is no stream id (a part beyond 64 bits) names no entry: ``DeadLetterNotFoundError`` too.
    """
    if not is_stream_id(dead_id):
        raise DeadLetterNotFoundError(exam_id, dead_id)
    stream = keys.grading_stream(exam_id)
    await redis.sadd(keys.GRADING_STREAMS, stream)
    new_id = await _RETRY(
        redis, [keys.dead_letters(exam_id), stream], [dead_id, rfc3339(utc_now())]
    )
    if new_id is None:
        raise DeadLetterNotFoundError(exam_id, dead_id)
    return text(new_id)
