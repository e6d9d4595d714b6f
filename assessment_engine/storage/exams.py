"""Exam definitions in Redis: create, read, update (optimistic), list, schedule, audit log.

Called by the API's services (``assessment_engine.api.services``). Per-exam keys share the
storage package's hash-tagged prefix ``exam:{<exam_id>}`` (``keys.exam_prefix``); the only
cross-exam keys are four indexes: ``exams:by_owner:<sub>`` (set), ``exams:by_student:<sub>``
(set of the exams whose roster names the student, kept in step with roster changes),
``exams:schedule`` (sorted set of exam ids by ``opens_at``) and ``exams:closing`` (sorted set of
exams not yet announced closed, by ``closes_at``). Layout and lifetimes: ``docs/api.md``
(storage section).
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from assessment_engine.exams.errors import ConflictError, NotFoundError
from assessment_engine.exams.models import Exam
from assessment_engine.storage import keys
from assessment_engine.storage._redis import text

SCHEDULE = "exams:schedule"
CLOSING = "exams:closing"
_MAX_CAS_RETRIES = 50


def exam_key(exam_id: str) -> str:
    """String (JSON ``Exam``): the exam definition; lives until deleted by an operator."""
    return f"{keys.exam_prefix(exam_id)}:def"


def revision_key(exam_id: str) -> str:
    """String: a random token rewritten with every write of the definition (cache validator)."""
    return f"{keys.exam_prefix(exam_id)}:rev"


def new_revision() -> str:
    return uuid.uuid4().hex


class ExamCache:
    """Parsed exams of this process by id, each valid for exactly one stored revision (LRU)."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, Exam]] = OrderedDict()

    def get(self, exam_id: str, revision: Any) -> Exam | None:
        """The cached exam if it was parsed at ``revision`` (None for a missing revision)."""
        if revision is None:
            return None
        entry = self._entries.get(exam_id)
        if entry is None or entry[0] != text(revision):
            return None
        self._entries.move_to_end(exam_id)
        return entry[1]

    def parse(self, exam_id: str, raw: Any, revision: Any) -> Exam:
        """Parse a definition read together with ``revision`` and remember it under that."""
        exam = Exam.model_validate_json(raw)
        if revision is not None:
            self._entries[exam_id] = (text(revision), exam)
            self._entries.move_to_end(exam_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return exam

    def clear(self) -> None:
        self._entries.clear()


CACHE = ExamCache()
"""This process's exam cache (exam objects are shared: callers change copies, never them)."""


def owner_index(owner: str) -> str:
    """Set: exam ids created by one proctor."""
    return f"exams:by_owner:{owner}"


def student_index(student_id: str) -> str:
    """Set of the exams whose roster names ``student_id``."""
    return f"exams:by_student:{student_id}"


def _index_roster(pipe: Any, exam_id: str, added: set[str], removed: set[str]) -> None:
    for student in sorted(added):
        pipe.sadd(student_index(student), exam_id)
    for student in sorted(removed):
        pipe.srem(student_index(student), exam_id)


def audit_key(exam_id: str) -> str:
    """List (JSON entries, oldest first): proctor actions with reasons."""
    return f"{keys.exam_prefix(exam_id)}:audit"


def closed_marker(exam_id: str) -> str:
    """String: set once when ``exam.closed`` was published."""
    return f"{keys.exam_prefix(exam_id)}:closed"


def regrade_key(exam_id: str, regrade_id: str) -> str:
    """String (JSON): a proposed regrade (new bank + diff) waiting for apply; 1-day TTL."""
    return f"{keys.exam_prefix(exam_id)}:regrade:{regrade_id}"


async def create_exam(redis: aioredis.Redis, exam: Exam) -> None:
    """Store a new exam; an existing id is a conflict (ids are server-made uuids)."""
    created = await redis.set(exam_key(exam.exam_id), exam.model_dump_json(), nx=True)
    if not created:
        raise ConflictError("an exam with this id exists", {"exam_id": exam.exam_id})
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(revision_key(exam.exam_id), new_revision())  # until then: read, never cached
        pipe.sadd(owner_index(exam.owner), exam.exam_id)
        pipe.zadd(SCHEDULE, {exam.exam_id: exam.timing.opens_at.timestamp()})
        pipe.zadd(CLOSING, {exam.exam_id: exam.timing.closes_at.timestamp()})
        _index_roster(pipe, exam.exam_id, set(exam.roster), set())
        await pipe.execute()


async def get_exam(redis: aioredis.Redis, exam_id: str) -> Exam:
    """The current definition: the cached copy if its revision is the stored one."""
    cached = CACHE.get(exam_id, await redis.get(revision_key(exam_id)))
    if cached is not None:
        return cached
    raw, revision = await redis.mget([exam_key(exam_id), revision_key(exam_id)])
    if raw is None:
        raise NotFoundError("no such exam", {"exam_id": exam_id})
    return CACHE.parse(exam_id, raw, revision)


async def update_exam(
    redis: aioredis.Redis, exam_id: str, change: Callable[[Exam], Exam]
) -> tuple[Exam, Exam]:
    """Apply the pure ``change`` under WATCH (retried on a concurrent write); (before, after)."""
    key = exam_key(exam_id)
    for _ in range(_MAX_CAS_RETRIES):
        async with redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                raw = await pipe.get(key)
                if raw is None:
                    raise NotFoundError("no such exam", {"exam_id": exam_id})
                before = Exam.model_validate_json(raw)
                after = change(before)
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(key, after.model_dump_json())
                pipe.set(revision_key(exam_id), new_revision())
                await pipe.execute()
            except WatchError:
                continue
            if after.timing != before.timing:  # indexes live in other slots: after the commit
                async with redis.pipeline(transaction=False) as index:
                    index.zadd(SCHEDULE, {exam_id: after.timing.opens_at.timestamp()})
                    index.zadd(CLOSING, {exam_id: after.timing.closes_at.timestamp()})
                    await index.execute()
            if after.roster != before.roster:
                async with redis.pipeline(transaction=False) as index:
                    old, new = set(before.roster), set(after.roster)
                    _index_roster(index, exam_id, new - old, old - new)
                    await index.execute()
            return before, after
    raise ConflictError("the exam is being changed concurrently; retry", {"exam_id": exam_id})


async def list_exams(redis: aioredis.Redis, owner: str | None) -> list[Exam]:
    """Exams of one owner, or every scheduled exam when ``owner`` is None (admins)."""
    if owner is None:
        ids = [text(i) for i in await redis.zrange(SCHEDULE, 0, -1)]
    else:
        ids = sorted(text(i) for i in await redis.smembers(owner_index(owner)))
    return await _load_many(redis, ids)


async def list_student_exams(redis: aioredis.Redis, student_id: str) -> list[Exam]:
    """Exams whose roster names ``student_id``, soonest opening first."""
    ids = sorted(text(i) for i in await redis.smembers(student_index(student_id)))
    exams = [e for e in await _load_many(redis, ids) if e.on_roster(student_id)]
    return sorted(exams, key=lambda e: (e.timing.opens_at, e.exam_id))


async def upcoming_exams(redis: aioredis.Redis, now: datetime, within_seconds: float) -> list[Exam]:
    """Exams whose ``opens_at`` lies in ``[now, now + within_seconds]``, soonest first."""
    start = now.timestamp()
    ids = [text(i) for i in await redis.zrangebyscore(SCHEDULE, start, start + within_seconds)]
    return await _load_many(redis, ids)


async def closing_due(redis: aioredis.Redis, now: datetime, limit: int = 100) -> list[str]:
    """Exams whose ``closes_at`` passed and whose close was not yet announced."""
    due = await redis.zrangebyscore(CLOSING, "-inf", now.timestamp(), start=0, num=limit)
    return [text(i) for i in due]


async def forget_closing(redis: aioredis.Redis, exam_id: str) -> None:
    await redis.zrem(CLOSING, exam_id)


async def _load_many(redis: aioredis.Redis, ids: list[str]) -> list[Exam]:
    if not ids:
        return []
    raws = await redis.mget([exam_key(i) for i in ids])
    return [Exam.model_validate_json(raw) for raw in raws if raw is not None]


async def append_audit(redis: aioredis.Redis, exam_id: str, entry: dict[str, Any]) -> None:
    await redis.rpush(audit_key(exam_id), json.dumps(entry, sort_keys=True, default=str))


async def list_audit(redis: aioredis.Redis, exam_id: str) -> list[dict[str, Any]]:
    raws = await redis.lrange(audit_key(exam_id), 0, -1)
    return [json.loads(raw) for raw in raws]


async def mark_closed(redis: aioredis.Redis, exam_id: str) -> bool:
    """True for the one caller that marks the exam closed (publishes ``exam.closed``)."""
    return bool(await redis.set(closed_marker(exam_id), "1", nx=True))


async def save_regrade(
    redis: aioredis.Redis, exam_id: str, regrade_id: str, payload: dict[str, Any]
) -> None:
    await redis.set(regrade_key(exam_id, regrade_id), json.dumps(payload), ex=86_400)


async def load_regrade(redis: aioredis.Redis, exam_id: str, regrade_id: str) -> dict[str, Any]:
    raw = await redis.get(regrade_key(exam_id, regrade_id))
    if raw is None:
        raise NotFoundError(
            "no such regrade (expired or never proposed)", {"regrade_id": regrade_id}
        )
    payload: dict[str, Any] = json.loads(raw)
    return payload


async def finish_regrade(redis: aioredis.Redis, exam_id: str, regrade_id: str) -> bool:
    """True for the one caller that applies the regrade (the proposal is deleted)."""
    return bool(await redis.delete(regrade_key(exam_id, regrade_id)))


async def count_graded(redis: aioredis.Redis, exam_id: str) -> int:
    """Submissions of the exam that have at least one final result (any key version)."""
    return int(await redis.hlen(keys.latest_results(exam_id)))
