"""Grader worker subprocesses: crash reclaim, exactly-once results, dead letters, SIGTERM drain.

Each test starts real ``assessment-engine worker`` processes on the shared Redis; grading is made
slow where a crash or a shutdown must land mid-grading (``debug_grade_delay_s`` test hook).
"""

from __future__ import annotations

import asyncio
import time

import httpx
import redis.asyncio as aioredis

from assessment_engine.storage.deadletters import list_dead_letters
from assessment_engine.storage.events import read_events
from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.results import get_result, list_results
from assessment_engine.storage.submissions import accept_submission, enqueue_grading, exam_counts
from tests.integration.storage.helpers import exam_with_bank, submission
from tests.integration.worker.conftest import StartWorker


async def wait_until(predicate, within: float = 20.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(interval)


def busy_ratio(metrics: str) -> float:
    [line] = [m for m in metrics.splitlines() if m.startswith("assessment_worker_busy_ratio ")]
    return float(line.split()[1])


async def graded(redis: aioredis.Redis, exam_id: str) -> int:
    return (await exam_counts(redis, exam_id))["graded"]


async def test_workers_grade_every_submission_once(
    redis_client: aioredis.Redis, start_worker: StartWorker
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipts = [
        await accept_submission(redis_client, submission(exam_id, student=f"s{i}"))
        for i in range(40)
    ]
    workers = [start_worker(f"w{i}", concurrency=2, executor="thread") for i in range(2)]

    async def all_graded() -> bool:
        return await graded(redis_client, exam_id) >= len(receipts)

    await wait_until(all_graded)
    results = await list_results(redis_client, exam_id)
    assert sorted(r.submission_id for r in results) == sorted(r.submission_id for r in receipts)
    assert all(r.total == 3.0 for r in results)
    assert {r.grader_id for r in results} <= {"w0", "w1"}
    body = workers[0].metrics()
    assert "assessment_worker_busy_ratio" in body
    assert "assessment_worker_slots 2.0" in body
    assert 'assessment_graded_total{graded_by="cluster",outcome="graded"}' in body


async def test_job_of_a_worker_killed_mid_grading_is_graded_once_after_the_lease(
    redis_client: aioredis.Redis, start_worker: StartWorker
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipt = await accept_submission(redis_client, submission(exam_id))
    victim = start_worker("victim", lease_ms=1500, debug_grade_delay_s=30)
    queue = GradingQueue(redis_client)

    async def claimed() -> bool:
        return (await queue.stats()).pending == 1

    await wait_until(claimed)
    victim.kill9()  # mid-grading: the job stays pending under "victim"
    assert await graded(redis_client, exam_id) == 0
    start_worker("rescuer", lease_ms=1500)

    async def done() -> bool:
        return await graded(redis_client, exam_id) == 1

    await wait_until(done)
    result = await get_result(queue.redis, exam_id, receipt.submission_id)
    assert result.grader_id == "rescuer"
    await asyncio.sleep(0.5)
    assert await graded(redis_client, exam_id) == 1
    events = [e for e in await read_events(redis_client) if e.type == "submission.graded"]
    assert len(events) == 1
    assert (await queue.stats()).pending == 0


async def test_poison_job_is_dead_lettered_after_max_deliveries(
    redis_client: aioredis.Redis, start_worker: StartWorker
) -> None:
    exam_id = await exam_with_bank(redis_client)
    receipt = await accept_submission(redis_client, submission(exam_id))
    await enqueue_grading(redis_client, exam_id, receipt.submission_id, key_version=9)  # no bank
    worker = start_worker("w1", max_deliveries=3, retry_in_ms=100, executor="thread")
    queue = GradingQueue(redis_client)

    async def dead() -> bool:
        return len(await list_dead_letters(queue.redis, exam_id)) == 1

    await wait_until(dead)
    [letter] = await list_dead_letters(queue.redis, exam_id)
    assert letter.key_version == 9
    assert letter.deliveries == 3
    assert "QuestionsNotFoundError" in letter.error
    assert await graded(redis_client, exam_id) == 1  # the good job (key version 1) still graded
    await asyncio.sleep(1.5)  # let the metrics exporter and the collector catch up
    body = worker.metrics()
    assert "assessment_dead_lettered_total 1.0" in body
    assert "assessment_grading_dead_letters 1.0" in body


async def test_sigterm_finishes_in_flight_work_then_exits(
    redis_client: aioredis.Redis, start_worker: StartWorker
) -> None:
    exam_id = await exam_with_bank(redis_client)
    for i in range(3):
        await accept_submission(redis_client, submission(exam_id, student=f"s{i}"))
    worker = start_worker("w1", concurrency=3, debug_grade_delay_s=2)
    queue = GradingQueue(redis_client)

    async def all_claimed() -> bool:
        return (await queue.stats()).pending == 3

    await wait_until(all_claimed)
    await asyncio.sleep(1.2)  # one busy-ratio window with every slot busy
    assert busy_ratio(worker.metrics()) > 0.9
    worker.terminate()
    assert await graded(redis_client, exam_id) == 0

    exit_code = await asyncio.to_thread(worker.process.wait, 30)
    assert exit_code == 0, worker.log()
    assert await graded(redis_client, exam_id) == 3
    stats = await queue.stats()
    assert (stats.length, stats.pending) == (0, 0)


async def test_prometheus_scraping_every_second_sees_a_busy_worker(
    redis_client: aioredis.Redis, start_worker: StartWorker, prometheus_factory
) -> None:
    exam_id = await exam_with_bank(redis_client)
    for i in range(2):
        await accept_submission(redis_client, submission(exam_id, student=f"s{i}"))
    worker = start_worker("w1", concurrency=2, debug_grade_delay_s=6)
    prometheus = prometheus_factory({"graders": [f"127.0.0.1:{worker.metrics_port}"]})

    async def busy_in_prometheus() -> bool:
        async with httpx.AsyncClient(base_url=prometheus.url) as client:
            reply = await client.get(
                "/api/v1/query", params={"query": "avg(assessment_worker_busy_ratio)"}
            )
        result = reply.json()["data"]["result"]
        return bool(result) and float(result[0]["value"][1]) > 0.9

    await wait_until(busy_in_prometheus, within=15)
    async with httpx.AsyncClient(base_url=prometheus.url) as client:
        reply = await client.get(
            "/api/v1/query", params={"query": "assessment_grading_pending_jobs"}
        )
    assert float(reply.json()["data"]["result"][0]["value"][1]) == 2
