"""Fixtures of the operator integration tests: decision notices (the exporter is shared)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as aioredis

from assessment_engine.contracts.decision_record import NOTICE_CHANNEL
from tests.prometheus_support import Exporter, wait_for_prometheus_value

__all__ = ["Exporter", "wait_for_prometheus_value"]


@dataclass
class NoticeWatcher:
    """Collects decision notices from the pub/sub channel."""

    notices: list[dict[str, Any]] = field(default_factory=list)

    def modes(self) -> list[str]:
        return [n["mode"] for n in self.notices if n.get("generation") is not None]

    def transitions(self) -> list[str]:
        out: list[str] = []
        for mode in self.modes():
            if not out or out[-1] != mode:
                out.append(mode)
        return out

    async def wait_mode(self, mode: str, within: float) -> float:
        """Seconds until the latest notice carries ``mode``."""
        start = time.monotonic()
        while time.monotonic() - start < within:
            if self.notices and self.notices[-1].get("mode") == mode:
                return time.monotonic() - start
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no {mode!r} decision within {within}s; saw {self.transitions()}")


@pytest.fixture
async def notices(redis_server_session) -> AsyncIterator[NoticeWatcher]:
    client = aioredis.Redis.from_url(redis_server_session.url)
    await client.flushall()
    pubsub = client.pubsub()
    await pubsub.subscribe(NOTICE_CHANNEL)
    watcher = NoticeWatcher()

    async def pump() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                watcher.notices.append(json.loads(message["data"]))

    task = asyncio.create_task(pump())
    yield watcher
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await pubsub.aclose()
    await client.aclose()
