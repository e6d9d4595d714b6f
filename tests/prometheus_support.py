"""A drivable test exporter and a Prometheus poll helper, shared by the operator test tiers.

The ``exporter`` fixture in ``tests/conftest.py`` starts an :class:`Exporter`; a real
``prometheus`` (``prometheus_factory``) scrapes it, and the operator reads utilization from there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, start_http_server

from exam_stack.localstack.ports import free_port


@dataclass
class Exporter:
    """A prometheus_client HTTP server in the test process; the test sets the gauges."""

    port: int
    registry: CollectorRegistry
    busy: Gauge
    oldest_age: Gauge
    server: Any = None
    thread: Any = None

    @classmethod
    def create(cls) -> Exporter:
        registry = CollectorRegistry()
        busy = Gauge("assessment_worker_busy_ratio", "busy", ["worker"], registry=registry)
        age = Gauge("assessment_grading_oldest_pending_age_seconds", "age", registry=registry)
        busy.labels("w1").set(0.2)
        age.set(0)
        return cls(free_port(), registry, busy, age)

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


async def wait_for_prometheus_value(
    url: str, query: str, predicate: Callable[[float | None], bool], within: float = 20.0
) -> float | None:
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
