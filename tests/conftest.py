"""Shared fixtures: real redis-server and prometheus processes on free ports in temp dirs, and
the hypothesis profiles.

Component-specific fixtures live in conftest.py files of the test folders that need them.

Hypothesis profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the README's test command and any run with
``CI`` set) derandomizes generation and keeps no example database, so every CI run draws the
same examples and a failure reproduces from the clone alone; ``dev`` (the default otherwise)
draws new examples each run, twice as many where a test does not fix its own count, and keeps
the database in ``.hypothesis/`` so a failure found locally is replayed first next time.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, settings

from exam_stack.localstack.processes import (
    PrometheusServer,
    RedisServer,
    start_prometheus,
    start_redis,
)
from tests.prometheus_support import Exporter

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's AWS credentials or settings from the shell."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "ASSESSMENT_", "OVERFLOW_", "OPERATOR_", "PLATFORM_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def redis_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server (AOF, appendfsync always) shared by a test session."""
    server = start_redis(tmp_path_factory.mktemp("redis-session"))
    yield server
    server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server per test, for tests that kill or restart it."""
    server = start_redis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
async def redis_client(redis_server_session: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """An asyncio client on the shared server, flushed before each test."""
    client = aioredis.Redis.from_url(redis_server_session.url, decode_responses=False)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def prometheus_factory(tmp_path: Path) -> Iterator[object]:
    """Start a real prometheus: ``prometheus_factory({"job": ["127.0.0.1:PORT"]})``."""
    started: list[PrometheusServer] = []

    def factory(jobs: dict[str, list[str]], scrape_interval: str = "1s") -> PrometheusServer:
        server = start_prometheus(
            tmp_path / f"prometheus-{len(started)}", jobs, scrape_interval=scrape_interval
        )
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    """A started test exporter (``assessment_worker_busy_ratio`` 0.2); stopped afterwards."""
    exp = Exporter.create()
    exp.start()
    yield exp
    exp.stop()
