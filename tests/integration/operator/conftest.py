"""Fixtures of the operator integration tests: a drivable test exporter, policies, Redis."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from assessment_engine.contracts.decision_record import NOTICE_CHANNEL
from exam_stack.localstack.ports import free_port

from .kube import kube  # noqa: F401 - the kmock fixture, shared by the Kopf tests


@dataclass
class Exporter:
    """A prometheus_client HTTP server in the test process; the test sets the gauges."""

    port: int
    registry: CollectorRegistry
    busy: Gauge
    oldest_age: Gauge
    server: Any = None
    thread: Any = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server, self.thread = start_http_server(
            self.port, addr="127.0.0.1", registry=self.registry
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    registry = CollectorRegistry()
    busy = Gauge("assessment_worker_busy_ratio", "busy", ["worker"], registry=registry)
    age = Gauge("assessment_grading_oldest_pending_age_seconds", "age", registry=registry)
    exp = Exporter(free_port(), registry, busy, age)
    busy.labels("w1").set(0.2)
    age.set(0)
    exp.start()
    yield exp
    exp.stop()


async def wait_for_prometheus_value(url: str, query: str, predicate, within: float = 20.0):
    """Poll Prometheus until ``query`` returns a value satisfying ``predicate``."""
    import httpx

    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while True:
            response = await http.get(f"{url}/api/v1/query", params={"query": query})
            result = response.json()["data"]["result"]
            value = float(result[0]["value"][1]) if result else None
            if predicate(value):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{query} never satisfied the predicate (last {value})")
            await asyncio.sleep(0.2)


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
