"""Question banks per (exam, key version): saved by the API, loaded by graders.

A key version is immutable once saved (an answer-key fix is a new key version), so graders
cache what they load for the life of the process. Called by the API (exam creation, regrade)
and by :meth:`GradingQueue.load_work` (workers, overflow dispatcher).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable

import redis.asyncio as aioredis
from pydantic import TypeAdapter, ValidationError

from assessment_engine.grading.models import Question
from assessment_engine.storage import keys
from assessment_engine.storage._redis import text
from assessment_engine.storage.errors import (
    CorruptRecordError,
    KeyVersionConflictError,
    QuestionsNotFoundError,
)

_QUESTIONS = TypeAdapter(list[Question])
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, int], dict[str, Question]] = OrderedDict()


def _dump(questions: Iterable[Question]) -> str:
    return json.dumps(_QUESTIONS.dump_python(list(questions), mode="json"), sort_keys=True)


async def save_questions(
    redis: aioredis.Redis, exam_id: str, key_version: int, questions: Iterable[Question]
) -> bool:
    """Store the question bank of ``exam_id`` at ``key_version``; True if this call stored it.

    Idempotency key: (exam_id, key_version). Saving the same bank again is a no-op returning
    False; saving a different bank under a stored version raises ``KeyVersionConflictError``.
    """
    payload = _dump(questions)
    key = keys.questions(exam_id, key_version)
    if await redis.set(key, payload, nx=True):
        return True
    stored = await redis.get(key)
    if stored is not None and text(stored) == payload:
        return False
    raise KeyVersionConflictError(exam_id, key_version)


async def load_questions(
    redis: aioredis.Redis, exam_id: str, key_version: int
) -> dict[str, Question]:
    """The question bank of ``exam_id`` at ``key_version`` by question id (cached per process)."""
    cache_key = (exam_id, key_version)
    cached = _cache.get(cache_key)
    if cached is not None:
        _cache.move_to_end(cache_key)
        return cached
    raw = await redis.get(keys.questions(exam_id, key_version))
    if raw is None:
        raise QuestionsNotFoundError(exam_id, key_version)
    try:
        parsed = _QUESTIONS.validate_json(raw)
    except ValidationError as exc:
        raise CorruptRecordError(
            f"question bank of exam {exam_id!r} v{key_version} does not parse"
        ) from exc
    bank = {question.id: question for question in parsed}
    _cache[cache_key] = bank
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return bank


def clear_question_cache() -> None:
    """Forget cached banks (tests that reuse exam ids on a flushed Redis)."""
    _cache.clear()
