"""Acknowledged means durable: ``kill -9`` of Redis right after acceptance loses nothing."""

from __future__ import annotations

import redis.asyncio as aioredis

from assessment_engine.storage import keys
from assessment_engine.storage.queue import GradingQueue
from assessment_engine.storage.submissions import accept_submission, get_submission
from exam_stack.localstack.processes import RedisServer, start_redis
from tests.integration.storage.helpers import new_exam_id, submission


async def test_acknowledged_submissions_survive_kill_9_of_redis(redis_server: RedisServer) -> None:
    exam_id = new_exam_id()
    client = aioredis.Redis.from_url(redis_server.url)
    receipts = [
        await accept_submission(client, submission(exam_id, student=f"s{i}")) for i in range(50)
    ]
    await client.aclose()
    redis_server.kill9()  # right after the last acknowledgement: no shutdown, no final fsync

    restarted = start_redis(redis_server.workdir, port=redis_server.port)
    try:
        client = aioredis.Redis.from_url(restarted.url)
        for receipt in receipts:
            stored = await get_submission(client, exam_id, receipt.submission_id)
            assert stored.received_at.isoformat().startswith(receipt.received_at[:19])
        assert await client.xlen(keys.grading_stream(exam_id)) == len(receipts)
        jobs = await GradingQueue(client).claim("after-restart", count=100, block_ms=10)
        assert {j.submission_id for j in jobs} == {r.submission_id for r in receipts}
        # The restarted server has an empty script cache: accepting still works (NOSCRIPT path).
        late = await accept_submission(client, submission(exam_id, student="after"))
        assert (await get_submission(client, exam_id, late.submission_id)).student_id == "after"
        await client.aclose()
    finally:
        restarted.stop()
