"""The grading queue: claim, reclaim after the lease, one result per job, release, dead letters."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from assessment_engine.storage import keys
from assessment_engine.storage.deadletters import list_dead_letters, retry_dead_letter
from assessment_engine.storage.errors import DeadLetterNotFoundError, ResultNotFoundError
from assessment_engine.storage.events import read_events
from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.results import get_result, list_results, write_result
from assessment_engine.storage.submissions import (
    accept_submission,
    enqueue_grading,
    exam_counts,
)
from tests.integration.storage.helpers import exam_with_bank, grade, submission

LEASE_MS = 300


def queue(redis: aioredis.Redis, **over: int) -> GradingQueue:
    return GradingQueue(
        redis,
        lease_ms=over.get("lease_ms", LEASE_MS),
        max_deliveries=over.get("max_deliveries", 3),
        reclaim_interval_ms=50,
        streams_refresh_s=0.0,
    )


async def graded_events(redis: aioredis.Redis) -> list[dict[str, object]]:
    return [e.data for e in await read_events(redis, count=1000) if e.type == "submission.graded"]


async def test_claim_returns_job_and_work_with_questions_in_attempt_order(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipt = await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)

    [job] = await q.claim("w1", count=5, block_ms=10)
    work = await q.load_work(job)

    assert (job.exam_id, job.submission_id, job.key_version) == (exam_id, receipt.submission_id, 1)
    assert job.deliveries == 1
    assert job.stream == keys.grading_stream(exam_id)
    assert work.question_ids == ["q2", "q1"]
    assert set(work.questions) == {"q1", "q2"}
    assert work.answers == {"q1": True, "q2": ["4"]}


async def test_complete_writes_result_acks_and_publishes_graded_event(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipt = await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("w1", count=1, block_ms=10)

    work = await q.load_work(job)
    assert await q.complete(job, work, grade(work), "cluster", "w1")

    result = await get_result(q.redis, exam_id, receipt.submission_id)
    assert (result.total, result.max_total, result.graded_by) == (3.0, 3.0, "cluster")
    assert [g.question_id for g in result.questions] == ["q2", "q1"]
    stats = await q.stats()
    assert (stats.length, stats.pending) == (0, 0)
    [event] = await graded_events(redis_client)
    assert event["total"] == 3.0
    assert event["student_id"] == "s1"
    assert event["questions"][0] == {  # type: ignore[index]
        "question_id": "q2",
        "type": "multichoice",
        "score": 2.0,
        "max_score": 2.0,
        "status": "graded",
        "response": ["4"],
    }
    assert "choices" not in str(event)
    assert "fraction" not in str(event)


async def test_duplicate_delivery_yields_one_result_and_one_event(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("w1", count=1, block_ms=10)
    work = await q.load_work(job)
    await asyncio.sleep(LEASE_MS / 1000 + 0.1)
    [again] = await q.claim("w2", count=1, block_ms=10)  # lease expired: delivered twice
    assert again.entry_id == job.entry_id
    assert again.deliveries == 2

    wrote = await asyncio.gather(
        q.complete(again, work, grade(work), "lambda", "fn-1"),
        q.complete(job, work, grade(work), "cluster", "w1"),
        *(q.complete(job, work, grade(work), "cluster", "w1") for _ in range(5)),
    )

    assert sum(wrote) == 1
    assert (await exam_counts(redis_client, exam_id))["graded"] == 1
    assert len(await graded_events(redis_client)) == 1
    assert len(await list_results(q.redis, exam_id)) == 1
    assert (await q.stats()).pending == 0


async def test_expired_lease_is_reclaimed_by_another_consumer(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("crashed", count=1, block_ms=10)

    assert await q.claim("w2", count=1, block_ms=10) == []  # still leased
    await asyncio.sleep(LEASE_MS / 1000 + 0.1)
    [reclaimed] = await q.claim("w2", count=1, block_ms=10)

    assert reclaimed.entry_id == job.entry_id
    assert (reclaimed.consumer, reclaimed.deliveries) == ("w2", 2)


async def test_extend_keeps_a_slow_job_from_being_reclaimed(redis_client: aioredis.Redis) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("slow", count=1, block_ms=10)

    for _ in range(4):
        await asyncio.sleep(LEASE_MS / 3000)
        await q.extend([job])
        assert await q.claim("other", count=1, block_ms=10) == []


async def test_released_job_is_reclaimed_at_once_without_counting_a_delivery(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = GradingQueue(redis_client, lease_ms=60_000, max_deliveries=2, reclaim_interval_ms=1)
    [job] = await q.claim("dispatcher", count=1, block_ms=10)

    await q.release(job)
    await asyncio.sleep(0.01)
    [again] = await q.claim("worker", count=1, block_ms=10)

    assert again.entry_id == job.entry_id
    assert again.deliveries == 1
    assert (await q.stats()).pending == 1


async def test_failing_job_is_dead_lettered_after_max_deliveries_and_can_be_retried(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipt = await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client, max_deliveries=3)

    moved = []
    for attempt in range(3):
        [job] = await q.claim("w1", count=1, block_ms=10)
        assert job.deliveries == attempt + 1
        moved.append(await q.fail(job, "boom", retry_in_ms=0))
        await asyncio.sleep(0.06)

    assert moved == [False, False, True]
    assert await q.claim("w1", count=1, block_ms=10) == []
    [dead] = await list_dead_letters(q.redis, exam_id)
    assert (dead.submission_id, dead.deliveries, dead.error) == (receipt.submission_id, 3, "boom")
    stats = await q.stats()
    assert (stats.length, stats.pending, stats.dead_letters) == (0, 0, 1)

    await retry_dead_letter(q.redis, exam_id, dead.dead_id)
    with pytest.raises(DeadLetterNotFoundError):
        await retry_dead_letter(q.redis, exam_id, dead.dead_id)
    [job] = await q.claim("w1", count=1, block_ms=10)
    work = await q.load_work(job)
    assert await q.complete(job, work, grade(work), "cluster", "w1")
    assert await list_dead_letters(q.redis, exam_id) == []


async def test_job_whose_consumers_keep_crashing_is_dead_lettered_at_reclaim(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client, max_deliveries=2)

    await q.claim("crash-1", count=1, block_ms=10)
    await asyncio.sleep(LEASE_MS / 1000 + 0.1)
    assert len(await q.claim("crash-2", count=1, block_ms=10)) == 1
    await asyncio.sleep(LEASE_MS / 1000 + 0.1)

    assert await q.claim("w3", count=1, block_ms=10) == []
    [dead] = await list_dead_letters(q.redis, exam_id)
    assert dead.deliveries == 3
    assert "without completing" in dead.error
    assert q.dead_lettered == 1


async def test_regrade_writes_a_result_per_key_version(redis_client: aioredis.Redis) -> None:
    exam_id = await exam_with_bank(redis_client, key_versions=(1, 2))
    receipt = await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("w1", count=1, block_ms=10)
    work = await q.load_work(job)
    await q.complete(job, work, grade(work), "cluster", "w1")

    await enqueue_grading(redis_client, exam_id, receipt.submission_id, 2)
    [regrade] = await q.claim("w1", count=1, block_ms=10)
    work = await q.load_work(regrade)
    await q.complete(regrade, work, grade(work), "cluster", "w1")

    v1 = await get_result(q.redis, exam_id, receipt.submission_id, key_version=1)
    latest = await get_result(q.redis, exam_id, receipt.submission_id)
    assert (v1.key_version, v1.total) == (1, 3.0)
    assert (latest.key_version, latest.total) == (2, 1.0)
    [listed] = await list_results(q.redis, exam_id)
    assert listed.key_version == 2
    with pytest.raises(ResultNotFoundError):
        await get_result(q.redis, exam_id, "nope")


async def test_orphaned_result_gets_its_event_from_the_next_grader(
    redis_client: aioredis.Redis,
) -> None:
    exam_id = await exam_with_bank(redis_client)
    await accept_submission(redis_client, submission(exam_id))
    q = queue(redis_client)
    [job] = await q.claim("w1", count=1, block_ms=10)
    work = await q.load_work(job)
    # Simulate a grader that stored the result and died before publishing and acking.
    await q.complete(job, work, grade(work), "cluster", "w1")
    await redis_client.hset(keys.result(exam_id, job.submission_id, 1), "event", "0")
    await redis_client.xtrim(keys.DOMAIN_EVENTS, maxlen=0)
    [stored] = await list_results(q.redis, exam_id)
    assert await write_result(redis_client, stored, LEASE_MS) == "exists"
    await asyncio.sleep(LEASE_MS / 1000 + 0.1)

    assert not await q.complete(job, work, grade(work), "cluster", "w2")
    assert len(await graded_events(redis_client)) == 1


async def test_claim_reads_every_registered_exam_stream_and_stats_per_exam(
    redis_client: aioredis.Redis,
) -> None:
    exams = [await exam_with_bank(redis_client) for _ in range(3)]
    for exam_id in exams:
        for student in ("a", "b"):
            await accept_submission(redis_client, submission(exam_id, student=student))
    q = queue(redis_client)

    jobs = await q.claim("w1", count=4, block_ms=10)
    stats = await q.stats()

    assert len(jobs) == 4
    assert (stats.length, stats.pending) == (2, 4)
    assert {e.exam_id for e in stats.exams} == set(exams)
    assert stats.oldest_pending_age_seconds >= 0
    rest = await q.claim("w1", count=10, block_ms=10)
    assert len(rest) == 2
    assert len({j.submission_id for j in jobs + rest}) == 6


async def test_close_hands_back_jobs_read_beyond_the_requested_count(
    redis_client: aioredis.Redis,
) -> None:
    exams = [await exam_with_bank(redis_client) for _ in range(3)]
    for exam_id in exams:
        await accept_submission(redis_client, submission(exam_id))
    q = GradingQueue(redis_client, lease_ms=60_000, reclaim_interval_ms=1)

    [job] = await q.claim("w1", count=1, block_ms=10)  # one read per stream: two kept back
    await q.close()
    await asyncio.sleep(0.01)
    others = await GradingQueue(redis_client, lease_ms=60_000).claim("w2", count=5, block_ms=10)

    assert len(others) == 2
    assert job.submission_id not in {o.submission_id for o in others}
    only_first = await q.stats(exam_ids=[job.exam_id])
    assert [e.exam_id for e in only_first.exams] == [job.exam_id]
    assert only_first.pending == 1
