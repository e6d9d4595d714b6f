"""Accepting submissions: one atomic step, idempotent per (student, idempotency key)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from assessment_engine.storage import keys
from assessment_engine.storage.errors import SubmissionNotFoundError
from assessment_engine.storage.events import read_events
from assessment_engine.storage.submissions import (
    accept_submission,
    count_submissions,
    enqueue_grading,
    exam_counts,
    find_receipt,
    get_submission,
)
from tests.integration.storage.helpers import new_exam_id, submission


async def test_accept_stores_record_and_job_together(redis_client: aioredis.Redis) -> None:
    exam_id = new_exam_id()
    receipt = await accept_submission(redis_client, submission(exam_id, late=True))

    record = await get_submission(redis_client, exam_id, receipt.submission_id)
    assert record.answers == {"q1": True, "q2": ["4"]}
    assert record.question_ids == ["q2", "q1"]
    assert record.late
    assert not record.auto_submitted
    assert receipt.received_at.endswith("Z")
    assert not receipt.duplicate
    entries = await redis_client.xrange(keys.grading_stream(exam_id))
    assert len(entries) == 1
    fields = {k.decode(): v.decode() for k, v in entries[0][1].items()}
    assert fields["submission_id"] == receipt.submission_id
    assert fields["key_version"] == "1"
    assert await redis_client.sismember(keys.GRADING_STREAMS, keys.grading_stream(exam_id))
    assert await count_submissions(redis_client, exam_id) == 1


async def test_failed_accept_writes_neither_record_nor_job(redis_client: aioredis.Redis) -> None:
    exam_id = new_exam_id()
    await redis_client.set(keys.grading_stream(exam_id), "not a stream")

    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await accept_submission(redis_client, submission(exam_id))

    assert await redis_client.keys(f"{keys.exam_prefix(exam_id)}:submission:*") == []
    assert await redis_client.get(keys.idempotency(exam_id, "s1", "k1")) is None
    assert await count_submissions(redis_client, exam_id) == 0


async def test_duplicate_submit_returns_same_receipt_and_adds_nothing(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = new_exam_id()
    first = await accept_submission(redis_client, submission(exam_id))
    again = await accept_submission(redis_client, submission(exam_id, answers={"q1": False}))

    assert again.duplicate
    assert (again.submission_id, again.received_at) == (first.submission_id, first.received_at)
    assert await redis_client.xlen(keys.grading_stream(exam_id)) == 1
    assert (await exam_counts(redis_client, exam_id))["accepted"] == 1
    stored = await get_submission(redis_client, exam_id, first.submission_id)
    assert stored.answers["q1"] is True
    found = await find_receipt(redis_client, exam_id, "s1", "k1")
    assert found is not None
    assert found.submission_id == first.submission_id


async def test_concurrent_duplicate_submits_store_one_submission(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = new_exam_id()
    receipts = await asyncio.gather(
        *(accept_submission(redis_client, submission(exam_id)) for _ in range(25))
    )

    assert len({r.submission_id for r in receipts}) == 1
    assert sum(not r.duplicate for r in receipts) == 1
    assert await redis_client.xlen(keys.grading_stream(exam_id)) == 1
    assert await count_submissions(redis_client, exam_id) == 1


async def test_same_key_of_another_student_is_another_submission(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = new_exam_id()
    a = await accept_submission(redis_client, submission(exam_id, student="a"))
    b = await accept_submission(redis_client, submission(exam_id, student="b"))

    assert a.submission_id != b.submission_id
    assert await count_submissions(redis_client, exam_id) == 2


async def test_accept_publishes_one_accepted_event_without_answers(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = new_exam_id()
    receipt = await accept_submission(redis_client, submission(exam_id, auto_submitted=True))
    await accept_submission(redis_client, submission(exam_id))

    events = await read_events(redis_client)
    assert [e.type for e in events] == ["submission.accepted"]
    assert events[0].exam_id == exam_id
    assert events[0].data["submission_id"] == receipt.submission_id
    assert events[0].data["student_id"] == "s1"
    assert events[0].data["auto_submitted"] is True
    assert "answers" not in events[0].data


async def test_regrade_enqueue_needs_a_stored_submission(redis_client: aioredis.Redis) -> None:
    exam_id = new_exam_id()
    receipt = await accept_submission(redis_client, submission(exam_id))

    await enqueue_grading(redis_client, exam_id, receipt.submission_id, 2)
    with pytest.raises(SubmissionNotFoundError):
        await enqueue_grading(redis_client, exam_id, "missing", 2)

    assert await redis_client.xlen(keys.grading_stream(exam_id)) == 2
    assert (await exam_counts(redis_client, exam_id))["regrades_enqueued"] == 1
