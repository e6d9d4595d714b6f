"""The chaos monkey of ``assessment-engine surge --chaos``: during the overflow run, kill -9
every component of the stack once, at seeded random moments, restart it and time its recovery.

Components and what "killed", "restarted" and "recovered" mean for each:

=============  ======================================  ==================  ======================
component      killed (SIGKILL)                        restarted by        recovered when
=============  ======================================  ==================  ======================
api            the API process                         the supervisor      ``/readyz`` is 200
worker         one grader worker (its group)           the operator        its ``/metrics`` is 200
dispatcher     the overflow dispatcher                 the supervisor      its ``/metrics`` is 200
operator       the operator and the workers it runs    the supervisor      its and every worker's
                                                                           ``/metrics`` are 200
redis          redis-server                            the monkey, same    ``PING`` answered, AOF
                                                       port, same AOF      loaded
lambda         the local Lambda service and its        the supervisor      ``/health`` is 200
               environments
lambda-env     one execution environment while it     the Lambda service   a new environment runs
               grades (CPU busy), mid-invoke           (next invoke)       under the service
prometheus     prometheus                              the monkey, same    ``/-/ready`` is 200
                                                       port, same TSDB
=============  ======================================  ==================  ======================

Kills run one after another (the next waits until the previous component recovered), so each
time-to-recover is that component's alone. Any child that dies without being killed (a crash
caused by another component's outage) is restarted too and recorded as ``crashed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from exam_stack.localstack.processes import start_prometheus, start_redis
from exam_stack.surge.stack import Stack
from exam_stack.surge.supervisor import cmdline, cpu_ticks, descendants

COMPONENTS: tuple[str, ...] = (
    "api",
    "worker",
    "dispatcher",
    "operator",
    "redis",
    "lambda",
    "lambda-env",
    "prometheus",
)
RECOVERY_TIMEOUT_S = 90.0


@dataclass
class ChaosEvent:
    """One kill and what followed, in seconds since the exam opened (the plots' time axis)."""

    component: str
    cause: str  # "killed" (by the monkey) or "crashed" (died on its own, then restarted)
    killed_at: float
    restarted_at: float | None = None
    recovered_at: float | None = None
    detail: str = ""

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None

    @property
    def time_to_recover_s(self) -> float | None:
        return None if self.recovered_at is None else self.recovered_at - self.killed_at

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "time_to_recover_s": self.time_to_recover_s}


@dataclass
class ChaosLog:
    seed: int
    events: list[ChaosEvent] = field(default_factory=list)
    finished: bool = False

    def killed(self) -> set[str]:
        return {e.component for e in self.events if e.cause == "killed"}

    def recovered(self) -> set[str]:
        return {e.component for e in self.events if e.cause == "killed" and e.recovered}

    @property
    def complete(self) -> bool:
        """Every component killed at least once and recovered from it."""
        return set(COMPONENTS) <= self.recovered()


def schedule(
    seed: int, start_s: float, end_s: float, min_gap_s: float = 2.0
) -> list[tuple[float, str]]:
    """Seeded kill moments: every component once, in a random order, uniform in
    ``[start_s, end_s]``, at least ``min_gap_s`` apart."""
    rng = random.Random(seed)
    order = list(COMPONENTS)
    rng.shuffle(order)
    times = sorted(rng.uniform(start_s, end_s) for _ in order)
    out: list[tuple[float, str]] = []
    last = -1e9
    for when, name in zip(times, order, strict=True):
        when = max(when, last + min_gap_s)
        out.append((when, name))
        last = when
    return out


async def _http_ok(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


async def _until(check: Callable[[], Awaitable[bool]], within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


def _worker_processes(operator_pid: int) -> dict[str, int]:
    """worker id (``local-<slot>``) -> pid of the grader workers the operator runs."""
    out: dict[str, int] = {}
    for pid in descendants(operator_pid):
        argv = cmdline(pid)
        if "--worker-id" in argv and argv.index("--worker-id") + 1 < len(argv):
            out[argv[argv.index("--worker-id") + 1]] = pid
    return out


def _environments(lambda_pid: int) -> list[int]:
    return [p for p in descendants(lambda_pid) if "awslambdaric" in cmdline(p)]


def _tree_ticks(pid: int) -> int | None:
    """CPU ticks of ``pid`` and everything below it (a sandbox grades in a child process)."""
    own = cpu_ticks(pid)
    if own is None:
        return None
    return own + sum(cpu_ticks(p) or 0 for p in descendants(pid))


async def _busy(pids: list[int], window_s: float = 0.2) -> int | None:
    """The first of ``pids`` that used CPU during ``window_s`` (a process waiting for work
    blocks and uses none), or None."""
    before = {p: _tree_ticks(p) for p in pids}
    await asyncio.sleep(window_s)
    for pid, ticks in before.items():
        after = _tree_ticks(pid)
        if ticks is not None and after is not None and after > ticks:
            return pid
    return None


class ChaosMonkey:
    """Kills and restarts the components of ``stack``; run ``run()`` as a task."""

    def __init__(
        self,
        stack: Stack,
        seed: int,
        t0: float,
        start_s: float,
        end_s: float,
        env_wait_s: float = 90.0,
    ) -> None:
        self.stack = stack
        self.env_wait_s = env_wait_s
        self.log = ChaosLog(seed)
        self.t0 = t0
        self.plan = schedule(seed, start_s, end_s)
        self._busy: set[str] = set()  # children the monkey is restarting itself

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def run(self) -> ChaosLog:
        watch = asyncio.create_task(self._watch_crashes())
        # the environment kill waits, from its moment on, for an environment that is running an
        # invocation (only while the run spills): it runs beside the others, not in their line
        env_at = next(when for when, c in self.plan if c == "lambda-env")
        env_task = asyncio.create_task(self._at(env_at, "lambda-env"))
        try:
            for when, component in self.plan:
                if component == "lambda":
                    # the service's own kill waits for the environment's: killing the service
                    # first would take its environments down and end the spill they serve
                    await asyncio.wait({env_task})
                if component != "lambda-env":
                    await self._at(when, component)
                    await asyncio.sleep(1.0)  # the next kill hits a recovered stack
            await env_task
        finally:
            self.log.finished = True
            for task in (watch, env_task):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return self.log

    async def _at(self, when: float, component: str) -> None:
        delay = self.t0 + when - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.log.events.append(await self._kill(component))

    # -- the kills ------------------------------------------------------------------------------

    async def _kill(self, component: str) -> ChaosEvent:
        handler = {
            "api": self._kill_api,
            "worker": self._kill_worker,
            "dispatcher": self._kill_dispatcher,
            "operator": self._kill_operator,
            "redis": self._kill_redis,
            "lambda": self._kill_lambda,
            "lambda-env": self._kill_lambda_env,
            "prometheus": self._kill_prometheus,
        }[component]
        return await handler()

    async def _restart_child(
        self,
        name: str,
        health: str,
        *,
        component: str | None = None,
        with_descendants: bool = False,
        detail: str = "",
    ) -> ChaosEvent:
        sup = self.stack.supervisor
        child = sup.child(name)
        self._busy.add(name)
        try:
            event = ChaosEvent(
                component or name, "killed", self.now(), detail=f"pid {child.process.pid}"
            )
            others = await asyncio.to_thread(sup.kill9, child, with_descendants=with_descendants)
            if others:
                event.detail += f" and {len(others)} process(es) it started"
            if detail:
                event.detail += f"; {detail}"
            sup.restart(child)
            event.restarted_at = self.now()
        finally:
            self._busy.discard(name)
        if await _until(lambda: _http_ok(health), RECOVERY_TIMEOUT_S):
            event.recovered_at = self.now()
        return event

    async def _kill_api(self) -> ChaosEvent:
        return await self._restart_child("api", f"{self.stack.api_url}/readyz")

    async def _kill_dispatcher(self) -> ChaosEvent:
        port = self.stack.ports["dispatcher_metrics"]
        return await self._restart_child("dispatcher", f"http://127.0.0.1:{port}/metrics")

    async def _kill_lambda(self) -> ChaosEvent:
        return await self._restart_child(
            "local-lambda",
            f"{self.stack.lambda_url}/health",
            component="lambda",
            with_descendants=True,
        )

    async def _kill_operator(self) -> ChaosEvent:
        # local mode runs the workers as the operator's children: they die with it (on Kubernetes
        # the Deployment's pods would keep grading), and the restarted operator starts them again
        operator = self.stack.supervisor.child("operator")
        workers = _worker_processes(operator.process.pid)
        event = await self._restart_child(
            "operator",
            f"http://127.0.0.1:{self.stack.ports['operator_metrics']}/metrics",
            with_descendants=True,
            detail=f"workers {', '.join(sorted(workers)) or 'none'} died with it",
        )
        if event.recovered_at is not None and workers:
            base = self.stack.ports["workers_base"]
            slots = [int(w.rsplit("-", 1)[1]) for w in workers]

            async def workers_back() -> bool:
                oks = [await _http_ok(f"http://127.0.0.1:{base + s}/metrics") for s in slots]
                return all(oks)

            event.recovered_at = (
                self.now() if await _until(workers_back, RECOVERY_TIMEOUT_S) else None
            )
        return event

    async def _kill_worker(self) -> ChaosEvent:
        """Kill a grader worker, one that is grading when there is one: its claimed job stays
        pending in the consumer group and is redelivered to another consumer after its lease."""
        operator = self.stack.supervisor.child("operator")
        workers: dict[str, int] = {}
        busy: int | None = None
        deadline = time.monotonic() + 30
        while busy is None and time.monotonic() < deadline:
            workers = _worker_processes(operator.process.pid)
            busy = await _busy(list(workers.values())) if workers else None
            if not workers:
                await asyncio.sleep(0.2)
        if not workers:
            return ChaosEvent("worker", "killed", self.now(), detail="no worker was running")
        pid = busy if busy is not None else workers[min(workers)]
        worker_id = next(w for w, p in workers.items() if p == pid)
        state = "mid-grading" if busy is not None else "idle"
        event = ChaosEvent("worker", "killed", self.now(), detail=f"{worker_id} pid {pid} {state}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        base = self.stack.ports["workers_base"]

        async def replaced() -> bool:
            # the operator runs as many workers again, the killed one replaced, all serving
            now = _worker_processes(operator.process.pid)
            if len(now) < len(workers) or pid in now.values():
                return False
            if event.restarted_at is None:
                event.restarted_at = self.now()
            oks = [
                await _http_ok(f"http://127.0.0.1:{base + int(w.rsplit('-', 1)[1])}/metrics")
                for w in now
            ]
            return all(oks)

        if await _until(replaced, RECOVERY_TIMEOUT_S):
            event.recovered_at = self.now()
        return event

    async def _kill_lambda_env(self) -> ChaosEvent:
        """Kill an execution environment while it runs an invocation: an environment waiting
        for work blocks in ``/next`` and burns no CPU, one that grades does."""
        service = self.stack.supervisor.child("local-lambda")
        victim: int | None = None
        deadline = time.monotonic() + self.env_wait_s
        while victim is None and time.monotonic() < deadline:
            environments = _environments(service.process.pid)
            victim = await _busy(environments) if environments else None
            if not environments:
                await asyncio.sleep(0.2)
        if victim is None:
            return ChaosEvent(
                "lambda-env", "killed", self.now(), detail="no environment was invoking"
            )
        event = ChaosEvent("lambda-env", "killed", self.now(), detail=f"pid {victim} mid-invoke")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim, signal.SIGKILL)

        async def replaced() -> bool:
            return any(p != victim for p in _environments(service.process.pid)) and await _http_ok(
                f"{self.stack.lambda_url}/health"
            )

        # the service discards the dead environment; the retried batch starts a fresh one
        if await _until(replaced, RECOVERY_TIMEOUT_S):
            event.restarted_at = event.recovered_at = self.now()
        return event

    async def _kill_redis(self) -> ChaosEvent:
        old = self.stack.redis
        assert old is not None
        event = ChaosEvent("redis", "killed", self.now(), detail=f"pid {old.process.pid}")
        await asyncio.to_thread(old.kill9)
        # same port, same directory: the AOF (appendfsync always) is replayed on start
        new = await asyncio.to_thread(start_redis, old.workdir, port=old.port, timeout=60.0)
        self.stack.redis = new
        event.restarted_at = self.now()

        async def ping() -> bool:
            import redis.asyncio as aioredis

            client = aioredis.Redis.from_url(new.url, socket_timeout=1.0)
            try:
                return bool(await client.ping())
            except Exception:
                return False
            finally:
                await client.aclose()

        if await _until(ping, RECOVERY_TIMEOUT_S):
            event.recovered_at = self.now()
        return event

    async def _kill_prometheus(self) -> ChaosEvent:
        old = self.stack.prometheus
        assert old is not None
        event = ChaosEvent("prometheus", "killed", self.now(), detail=f"pid {old.process.pid}")
        await asyncio.to_thread(old.kill9)
        new = await asyncio.to_thread(
            start_prometheus,
            old.workdir,
            self.stack.prometheus_jobs,
            scrape_interval="1s",
            port=old.port,
            timeout=60.0,
        )
        self.stack.prometheus = new
        event.restarted_at = self.now()
        if await _until(lambda: _http_ok(f"{new.url}/-/ready"), RECOVERY_TIMEOUT_S):
            event.recovered_at = self.now()
        return event

    # -- unplanned deaths -----------------------------------------------------------------------

    async def _watch_crashes(self) -> None:
        """Restart any supervised child that died without being killed by the monkey."""
        sup = self.stack.supervisor
        while True:
            await asyncio.sleep(0.5)
            for child in list(sup.children):
                if child.name in self._busy or child.alive():
                    continue
                event = ChaosEvent(
                    child.name,
                    "crashed",
                    self.now(),
                    detail=f"exit {child.process.returncode}: {child.log_tail(3)[-300:]}",
                )
                sup.restart(child)
                event.restarted_at = self.now()
                self.log.events.append(event)
