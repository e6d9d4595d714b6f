"""The system under test: redis-server (AOF, chosen fsync policy) plus the API under uvicorn.

Used by ``__main__``: starts both as real processes, creates an exam with a roster, mints student
tokens with the API's development issuer and starts every attempt (set-up, not measured).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from exam_stack.localstack.ports import free_port, wait_for_port
from exam_stack.localstack.processes import RedisServer, start_redis

BANK = "::q1:: The sky is blue. {T}\n\n::q2:: 2 + 2 = ? {=4 ~5}\n"


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its live descendants (uvicorn workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = _stat(current)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        todo += children.get(current, [])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Stack:
    redis: RedisServer
    api: subprocess.Popen[bytes]
    base_url: str
    tokens: list[str] = field(default_factory=list)
    proctor: str = ""

    def stop(self) -> None:
        if self.api.poll() is None:
            self.api.send_signal(signal.SIGINT)
            try:
                self.api.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.api.kill()
        self.redis.stop()


STOCK_APP = "assessment_engine.api.app:create_app"
BENCH_APP = "benchmarks.ingest.app:create"


def start_stack(
    workdir: Path,
    appendfsync: str,
    profile_to: Path | None = None,
    app_factory: str = BENCH_APP,
    workers: int = 1,
) -> Stack:
    redis = start_redis(workdir / "redis", appendfsync=appendfsync)
    port = free_port()
    env = {
        **os.environ,
        "ASSESSMENT_REDIS_URL": redis.url,
        "ASSESSMENT_DEV_ISSUER": "true",
        "ASSESSMENT_DEV_ISSUER_SECRET": f"bench-{port}",  # one dev key for every worker
        "ASSESSMENT_ADMISSION_RATE_PER_SECOND": "1000000",
        "ASSESSMENT_ADMISSION_BURST": "1000000",
    }
    profiler = ["-m", "cProfile", "-o", str(profile_to)] if profile_to else []
    args = [
        sys.executable,
        *profiler,
        "-m",
        "uvicorn",
        app_factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
    log = (workdir / "api.log").open("wb")
    api = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port("127.0.0.1", port, timeout=30)
    return Stack(redis, api, f"http://127.0.0.1:{port}")


async def _mint(client: httpx.AsyncClient, sub: str, role: str) -> str:
    response = await client.post("/v1/dev/tokens", json={"sub": sub, "role": role})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _bounded(coros: list, limit: int = 64) -> list:  # type: ignore[type-arg]
    gate = asyncio.Semaphore(limit)

    async def run(coro):
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


async def mint_tokens(stack: Stack, students: int) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:
        stack.proctor = await _mint(client, "bench-proctor", "proctor")
        stack.tokens = await _bounded([_mint(client, f"s{i}", "student") for i in range(students)])


async def prepare_exam(stack: Stack, students: int) -> str:
    """A fresh exam whose roster is the first ``students`` students, every attempt started."""
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as client:
        response = await client.post(
            "/v1/exams",
            headers={"Authorization": f"Bearer {stack.proctor}"},
            json={
                "title": "deadline surge",
                "bank": BANK,
                "opens_at": (now - timedelta(minutes=1)).isoformat(),
                "closes_at": (now + timedelta(hours=2)).isoformat(),
                "roster": [f"s{i}" for i in range(students)],
                "expected_candidates": students,
            },
        )
        response.raise_for_status()
        exam_id = str(response.json()["exam_id"])

        async def start(token: str) -> None:
            r = await client.post(
                f"/v1/exams/{exam_id}/attempt", headers={"Authorization": f"Bearer {token}"}
            )
            r.raise_for_status()

        await _bounded([start(t) for t in stack.tokens[:students]])
    return exam_id
