"""Acknowledged means durable, through the API: every 202 survives ``kill -9`` of Redis."""

from __future__ import annotations

import asyncio

import httpx
import redis.asyncio as aioredis

from assessment_engine.api.app import create_app
from assessment_engine.api.settings import ApiSettings
from assessment_engine.storage.attempts import get_attempt
from assessment_engine.storage.submissions import get_submission
from exam_stack.localstack.processes import start_redis
from tests.integration.api.conftest import T0, FakeClock


async def test_every_acknowledged_submit_survives_kill_9_of_redis(redis_server) -> None:
    clock = FakeClock(T0)
    client = aioredis.Redis.from_url(redis_server.url)
    settings = ApiSettings(redis_url=redis_server.url, dev_issuer=True, sweeper_enabled=False)
    app = create_app(settings, clock=clock, redis=client)
    dev = app.state.verifier.dev
    roster = [f"s{i}" for i in range(40)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        exam = await c.post(
            "/v1/exams",
            json={
                "title": "durable",
                "bank": "::tf:: Sky is blue {T}",
                "opens_at": T0.isoformat(),
                "closes_at": T0.replace(hour=3).isoformat(),
                "roster": roster,
            },
            headers={"Authorization": f"Bearer {dev.mint('p', 'proctor')}"},
        )
        exam_id = exam.json()["exam_id"]

        async def take(student: str) -> dict[str, str]:
            headers = {"Authorization": f"Bearer {dev.mint(student, 'student')}"}
            assert (
                await c.post(f"/v1/exams/{exam_id}/attempt", headers=headers)
            ).status_code == 201
            await c.put(
                f"/v1/exams/{exam_id}/attempt/answers/tf",
                json={"seq": 1, "answer": True},
                headers=headers,
            )
            response = await c.post(
                f"/v1/exams/{exam_id}/attempt/submit",
                headers={**headers, "Idempotency-Key": "k"},
            )
            assert response.status_code == 202
            return {"student": student, **response.json()}

        receipts = await asyncio.gather(*(take(s) for s in roster))
    redis_server.kill9()  # right after the last 202: no shutdown, no final fsync
    await client.aclose()

    restarted = start_redis(redis_server.workdir, port=redis_server.port)
    try:
        after = aioredis.Redis.from_url(restarted.url)
        for receipt in receipts:
            stored = await get_submission(after, exam_id, receipt["submission_id"])
            assert stored.answers == {"tf": True}
            attempt = await get_attempt(after, exam_id, receipt["student"])
            assert attempt is not None
            assert attempt.submission_id == receipt["submission_id"]
        await after.aclose()
    finally:
        restarted.stop()
