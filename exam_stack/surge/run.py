"""One surge run end to end: start the stack, create the exam, let the students loose, watch,
wait until every stored submission is graded, audit, stop everything."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from assessment_engine.storage.submissions import count_submissions, exam_counts
from exam_stack.surge.audit import AuditReport, audit_exam
from exam_stack.surge.chaos import ChaosLog, ChaosMonkey
from exam_stack.surge.exam import SOLUTIONS, surge_bank, surge_questions
from exam_stack.surge.monitor import PrometheusSampler, Sample, Timeline, wait_for_targets
from exam_stack.surge.report import RunOutcome
from exam_stack.surge.stack import Stack, StackConfig, start_stack
from exam_stack.surge.students import StudentStats, StudentSwarm, plan_students


@dataclass(frozen=True)
class RunConfig:
    label: str
    students: int
    duration_s: float
    stack: StackConfig
    seed: int = 1
    include_code: bool = True
    grace_s: int = 10
    drain_timeout_s: float = 240.0
    start_delay_s: float = 4.0
    # kill -9 every component once at seeded moments during the run (``--chaos``)
    chaos: bool = False
    chaos_seed: int = 1


Render = Callable[[str, Timeline, StudentStats, str], None]


async def _proctor_token(client: httpx.AsyncClient, stack: Stack) -> str:
    """The console's proctor signed in through identity (so the console sees the exam), or a
    dev-issuer proctor when the pages do not run."""
    if stack.pages is not None:
        username, password = stack.pages.proctor
        r = await client.post(
            f"{stack.pages.identity_url}/v1/login",
            json={"username": username, "password": password},
        )
    else:
        r = await client.post("/v1/dev/tokens", json={"sub": "proctor-1", "role": "proctor"})
    r.raise_for_status()
    return str(r.json()["access_token"])


async def _create_exam(
    client: httpx.AsyncClient, cfg: RunConfig, opens: datetime, proctor_token: str
) -> str:
    """Create the exam as a proctor through the API; returns its id."""
    headers = {"Authorization": f"Bearer {proctor_token}"}
    body = {
        "title": "SCI-101 end-of-term exam (surge run)",
        "bank": surge_bank(cfg.include_code),
        "format": "json",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(seconds=cfg.duration_s)).isoformat(),
        "display_timezone": "Europe/Berlin",
        "grace_seconds": cfg.grace_s,
        "roster": [f"student-{i:05d}" for i in range(cfg.students)],
        "release_policy": "after_close",
        "expected_candidates": cfg.students,
    }
    r = await client.post("/v1/exams", json=body, headers=headers)
    if r.status_code != 201:
        raise RuntimeError(f"creating the exam failed: {r.status_code} {r.text[:500]}")
    return str(r.json()["exam_id"])


async def _sample_loop(
    sampler: PrometheusSampler,
    timeline: Timeline,
    t0: float,
    stop: asyncio.Event,
    on_sample: Callable[[Sample], None],
) -> None:
    while not stop.is_set():
        sample = await asyncio.to_thread(sampler.sample, time.monotonic() - t0)
        timeline.samples.append(sample)
        on_sample(sample)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


async def _wait_drained(
    redis: aioredis.Redis,
    exam_id: str,
    stats: StudentStats,
    deadline: float,
    phase: Callable[[str], None],
) -> None:
    while time.monotonic() < deadline:
        stored = await count_submissions(redis, exam_id)
        counts = await exam_counts(redis, exam_id)
        graded = counts.get("graded", 0) + counts.get("dead_lettered", 0)
        phase(f"draining: {graded}/{stored} graded")
        if stored and graded >= stored and stored >= stats.submitted:
            return
        await asyncio.sleep(0.5)
    phase("drain timeout: some submissions are still ungraded")


async def execute(cfg: RunConfig, workdir: Path, render: Render) -> RunOutcome:
    """Run one surge; ``render(phase, timeline, stats, label)`` refreshes the live view."""
    started = time.monotonic()
    stats = StudentStats()
    timeline = Timeline()
    phase = ["starting the stack"]

    def show(text: str | None = None) -> None:
        if text is not None:
            phase[0] = text
        render(phase[0], timeline, stats, cfg.label)

    show()
    stack: Stack = await asyncio.to_thread(start_stack, cfg.stack, workdir)
    if stack.pages is not None:
        timeline.console_url, timeline.console_login = stack.pages.console_url, stack.pages.proctor
    sampler = PrometheusSampler(stack.prometheus.url if stack.prometheus else "")
    redis = aioredis.Redis.from_url(stack.redis.url if stack.redis else "")
    stop = asyncio.Event()
    chaos_task: asyncio.Task[ChaosLog] | None = None
    chaos: ChaosLog | None = None
    try:
        show("waiting for Prometheus to see every component")
        jobs = {"api", "lambda", "operator", "workers"} | (
            {"dispatcher"} if cfg.stack.overflow else set()
        )
        await asyncio.to_thread(wait_for_targets, sampler, jobs, 60.0)
        opens = datetime.now(UTC) + timedelta(seconds=cfg.start_delay_s)
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=30.0) as client:
            exam_id = await _create_exam(client, cfg, opens, await _proctor_token(client, stack))
        t0 = time.monotonic() + (opens - datetime.now(UTC)).total_seconds()
        sampler_task = asyncio.create_task(
            _sample_loop(sampler, timeline, t0, stop, lambda _s: show())
        )
        if cfg.chaos:
            # kills from a quarter into the exam to its deadline: the autosaves, the deadline
            # rush and the spill to Lambda all meet a dying component (a kill that waits for the
            # previous recovery may land in the grace period or the drain)
            monkey = ChaosMonkey(stack, cfg.chaos_seed, t0, 0.25 * cfg.duration_s, cfg.duration_s)
            chaos_task = asyncio.create_task(monkey.run())
        questions = {q.id: q for q in surge_questions(cfg.include_code)}
        swarm = StudentSwarm(stack.api_url, exam_id, questions, SOLUTIONS, stats, seed=cfg.seed)
        plans = plan_students(cfg.students, cfg.duration_s, seed=cfg.seed)
        show(f"{cfg.students} students taking the exam")
        await swarm.run(plans, t0)
        close = t0 + cfg.duration_s + cfg.grace_s + 2.0
        if time.monotonic() < close:
            show("waiting for the deadline (the server auto-submits abandoned attempts)")
            await asyncio.sleep(close - time.monotonic())
        if chaos_task is not None:
            show("chaos: waiting for the last kill to recover")
            chaos = await chaos_task
        await _wait_drained(redis, exam_id, stats, time.monotonic() + cfg.drain_timeout_s, show)
        await asyncio.sleep(2.0)  # one more scrape so the plots show the drained state
        stop.set()
        await sampler_task
        server_ack = await asyncio.to_thread(
            sampler.server_ack_quantiles, time.monotonic() - t0 + 30
        )
        show("auditing")
        audit: AuditReport = await audit_exam(redis, exam_id, stats.receipts)
    finally:
        stop.set()
        if chaos_task is not None and not chaos_task.done():
            chaos_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chaos_task
        await redis.aclose()
        sampler.close()
        show("stopping the stack")
        await asyncio.to_thread(stack.stop)
    return RunOutcome(
        label=cfg.label,
        overflow=cfg.stack.overflow,
        threshold=cfg.stack.threshold,
        release_threshold=cfg.stack.release_threshold,
        students=cfg.students,
        duration_s=cfg.duration_s,
        timeline=timeline,
        stats=stats,
        audit=audit,
        wall_s=time.monotonic() - started,
        server_ack=server_ack,
        chaos=chaos,
    )
