"""Fixtures of the API integration tests: the app on the real Redis, a controllable clock,
dev-issuer tokens and helpers to create an exam and take it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from assessment_engine.api.app import create_app
from assessment_engine.api.settings import ApiSettings
from assessment_engine.storage.questions import clear_question_cache

# Europe/Berlin leaves winter time at 2026-03-29 01:00 UTC.
T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)

GIFT_BANK = """
::capital:: What is the capital of France? {=Paris#feedbackmarker1 ~London#feedbackmarker2 ~Berlin}

::tf:: The sky is blue. {T}

::short:: Name the secret island. {=zanzibarkey}

::num:: What is 2+2? {#4:0}
"""

CORRECT = {"capital": ["Paris"], "tf": True, "short": "zanzibarkey", "num": 4}


@dataclass
class FakeClock:
    now: datetime = T0
    calls: int = field(default=0)

    def __call__(self) -> datetime:
        self.calls += 1
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient
    clock: FakeClock
    redis: aioredis.Redis

    def token(self, sub: str, role: str = "student") -> dict[str, str]:
        dev = self.app.state.verifier.dev
        return {"Authorization": f"Bearer {dev.mint(sub, role)}"}

    async def create_exam(self, proctor: str = "proctor-1", **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": "Physics",
            "bank": GIFT_BANK,
            "format": "gift",
            "opens_at": T0.isoformat(),
            "closes_at": (T0 + timedelta(hours=3)).isoformat(),
            "display_timezone": "Europe/Berlin",
            "time_limit_seconds": 3600,
            "grace_seconds": 60,
            "roster": ["s1", "s2", "s3"],
            "release_policy": "immediately",
            "expected_candidates": 3,
        }
        body.update(overrides)
        response = await self.client.post(
            "/v1/exams", json=body, headers=self.token(proctor, "proctor")
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def start(self, exam_id: str, student: str = "s1") -> httpx.Response:
        return await self.client.post(f"/v1/exams/{exam_id}/attempt", headers=self.token(student))

    async def save(
        self, exam_id: str, question_id: str, seq: int, answer: Any, student: str = "s1"
    ) -> httpx.Response:
        return await self.client.put(
            f"/v1/exams/{exam_id}/attempt/answers/{question_id}",
            json={"seq": seq, "answer": answer},
            headers=self.token(student),
        )

    async def submit(self, exam_id: str, key: str = "k1", student: str = "s1") -> httpx.Response:
        headers = {**self.token(student), "Idempotency-Key": key}
        return await self.client.post(f"/v1/exams/{exam_id}/attempt/submit", headers=headers)


@pytest.fixture
def settings_factory(redis_server_session: Any) -> Callable[..., ApiSettings]:
    def factory(**overrides: Any) -> ApiSettings:
        values: dict[str, Any] = {
            "redis_url": redis_server_session.url,
            "dev_issuer": True,
            "sweeper_enabled": False,
        }
        values.update(overrides)
        return ApiSettings(**values)

    return factory


@pytest.fixture
async def api_factory(
    redis_client: aioredis.Redis, clock: FakeClock, settings_factory: Callable[..., ApiSettings]
) -> AsyncIterator[Callable[..., Any]]:
    clear_question_cache()
    clients: list[httpx.AsyncClient] = []

    own_clients: list[aioredis.Redis] = []

    def factory(own_pool: bool = False, **overrides: Any) -> Api:
        """``own_pool``: the app builds its production Redis pool instead of the test client."""
        if own_pool:
            app = create_app(settings_factory(**overrides), clock=clock)
            own_clients.append(app.state.context.redis)
        else:
            app = create_app(settings_factory(**overrides), clock=clock, redis=redis_client)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test"
        )
        clients.append(client)
        return Api(app, client, clock, redis_client)

    yield factory
    for client in clients:
        await client.aclose()
    for own in own_clients:
        await own.aclose()


@pytest.fixture
async def api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()
