"""Question banks per key version (immutable) and the domain-event reader."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from assessment_engine.storage.errors import KeyVersionConflictError, QuestionsNotFoundError
from assessment_engine.storage.events import EventReader, publish_event
from assessment_engine.storage.questions import load_questions, save_questions
from tests.integration.storage.helpers import bank, new_exam_id


async def test_question_bank_round_trips_and_a_key_version_is_immutable(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = new_exam_id()
    assert await save_questions(redis_client, exam_id, 1, bank(1))
    assert not await save_questions(redis_client, exam_id, 1, bank(1))
    with pytest.raises(KeyVersionConflictError):
        await save_questions(redis_client, exam_id, 1, bank(2))

    loaded = await load_questions(redis_client, exam_id, 1)
    assert list(loaded) == ["q1", "q2"]
    assert loaded["q2"] == bank(1)[1]
    with pytest.raises(QuestionsNotFoundError):
        await load_questions(redis_client, exam_id, 7)


async def test_event_reader_redelivers_until_acknowledged(redis_client: aioredis.Redis) -> None:
    reader = EventReader(redis_client, group="analytics", consumer="a1", start_id="0")
    await publish_event(redis_client, "exam.closed", "e1", {"closed_at": "2026-01-01T00:00:00Z"})
    await publish_event(redis_client, "results.released", "e1", {"released_by": "p1"})

    first = await reader.read(count=10, block_ms=10)
    again = await reader.read(count=10, block_ms=10)
    assert [e.type for e in first] == ["exam.closed", "results.released"]
    assert [e.event_id for e in again] == [e.event_id for e in first]

    assert await reader.ack(*first) == 2
    assert await reader.read(count=10, block_ms=10) == []


async def test_unknown_event_type_is_refused(redis_client: aioredis.Redis) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        await publish_event(redis_client, "exam.exploded", "e1", {})  # type: ignore[arg-type]
