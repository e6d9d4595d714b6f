"""Final grading results: one per (submission, key version), written once, read by everyone.

:meth:`GradingQueue.complete` writes through :func:`write_result` (workers and the overflow
dispatcher); the API reads with :func:`get_result` / :func:`list_results` (student results,
proctor export, regrade diff). The stored result names the key version it was graded against.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import redis.asyncio as aioredis
from pydantic import ValidationError

from assessment_engine.grading.submission import SubmissionGrade
from assessment_engine.storage import keys
from assessment_engine.storage._redis import LuaScript, text, text_map
from assessment_engine.storage.errors import CorruptRecordError, ResultNotFoundError
from assessment_engine.storage.models import GradedQuestion, JsonValue, StoredResult

WriteOutcome = Literal["written", "orphaned", "exists"]
"""``written``: this call stored the result. ``orphaned``: a result exists whose writer never
published its event and has been silent for longer than the lease (it crashed), so this
caller publishes the event on its behalf. ``exists``: another writer owns it."""

# KEYS: result hash, latest-results hash, counts hash
# ARGV: result json, submission id, key version, lease ms, graded_by (cluster | lambda)
_WRITE = LuaScript(
    """#!lua
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('HSETNX', KEYS[1], 'result', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'written_at_ms', now_ms, 'event', '0')
  local current = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
  if tonumber(ARGV[3]) > current then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
  redis.call('HINCRBY', KEYS[3], 'graded', 1)
  redis.call('HINCRBY', KEYS[3], 'graded_by_' .. ARGV[5], 1)
  return 'written'
end
local event = redis.call('HGET', KEYS[1], 'event')
local written = tonumber(redis.call('HGET', KEYS[1], 'written_at_ms') or '0')
if event == '0' and now_ms - written > tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'written_at_ms', now_ms)
  return 'orphaned'
end
return 'exists'
"""
)


def summarise(
    grade: SubmissionGrade, answers: Mapping[str, JsonValue], question_ids: Sequence[str]
) -> tuple[float, float, list[GradedQuestion]]:
    """Total, max total and per-question summary (no key material) of a submission grade."""
    by_id = {g.question_id: g for g in grade.grades}
    questions = [
        GradedQuestion(
            question_id=g.question_id,
            type=g.question_type,
            score=g.score,
            max_score=g.max_score,
            status=g.status,
            response=answers.get(g.question_id),
        )
        for qid in question_ids
        if (g := by_id.get(qid)) is not None
    ]
    return float(grade.total), float(grade.max_total), questions


async def write_result(redis: aioredis.Redis, result: StoredResult, lease_ms: int) -> WriteOutcome:
    """Store ``result`` unless one exists. Idempotency key: (submission_id, key_version)."""
    outcome = await _WRITE(
        redis,
        [
            keys.result(result.exam_id, result.submission_id, result.key_version),
            keys.latest_results(result.exam_id),
            keys.counts(result.exam_id),
        ],
        [
            result.model_dump_json(),
            result.submission_id,
            result.key_version,
            lease_ms,
            result.graded_by,
        ],
    )
    value = text(outcome)
    if value not in ("written", "orphaned", "exists"):
        raise CorruptRecordError(f"unexpected write outcome {value!r}")
    return value  # type: ignore[return-value]


async def mark_event_published(redis: aioredis.Redis, exam_id: str, sid: str, kv: int) -> None:
    await redis.hset(keys.result(exam_id, sid, kv), "event", "1")


def _parse(raw: Any, exam_id: str, sid: str) -> StoredResult:
    try:
        return StoredResult.model_validate_json(raw)
    except ValidationError as exc:
        raise CorruptRecordError(f"result of {sid!r} in {exam_id!r} does not parse") from exc


async def get_result(
    redis: aioredis.Redis, exam_id: str, submission_id: str, key_version: int | None = None
) -> StoredResult:
    """The result at ``key_version`` (default: the highest graded one) or ResultNotFoundError."""
    if key_version is None:
        latest = await redis.hget(keys.latest_results(exam_id), submission_id)
        if latest is None:
            raise ResultNotFoundError(exam_id, submission_id)
        key_version = int(text(latest))
    raw = await redis.hget(keys.result(exam_id, submission_id, key_version), "result")
    if raw is None:
        raise ResultNotFoundError(exam_id, submission_id)
    return _parse(raw, exam_id, submission_id)


async def list_results(
    redis: aioredis.Redis, exam_id: str, key_version: int | None = None
) -> list[StoredResult]:
    """Results of every graded submission of the exam, ordered by receive time.

    ``key_version=None``: each submission's highest graded key version; otherwise only results
    graded against that version.
    """
    latest = text_map(await redis.hgetall(keys.latest_results(exam_id)))
    if not latest:
        return []
    async with redis.pipeline(transaction=False) as pipe:
        for sid, kv in latest.items():
            version = key_version if key_version is not None else int(kv)
            pipe.hget(keys.result(exam_id, sid, version), "result")
        raws = await pipe.execute()
    results = [_parse(raw, exam_id, sid) for sid, raw in zip(latest, raws, strict=True) if raw]
    return sorted(results, key=lambda r: (r.received_at, r.submission_id))
