"""The grader worker: claims jobs from the grading queue, grades them off the loop, completes.

Started by ``assessment-engine worker`` or ``python -m assessment_engine.worker`` (:mod:`.cli`).
One asyncio loop runs the claim loop, the lease heartbeat, the busy-ratio sampler and the
queue-stats exporter; ``grade_submission`` runs in a process (or thread) pool with one slot per
unit of concurrency so CPU-bound grading never stalls the heartbeat. SIGTERM stops claiming,
lets in-flight jobs finish and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from assessment_engine.metrics import (
    BusyTracker,
    GradingMetrics,
    QueueMetrics,
    WorkerMetrics,
    collect_queue_stats,
    sample_busy,
)
from assessment_engine.storage.client import create_redis
from assessment_engine.storage.models import GradedBy, GradingJob
from assessment_engine.storage.queue import GradingQueue
from assessment_engine.worker.grading import grade_work, ignore_shutdown_signals
from assessment_engine.worker.settings import WorkerSettings

log = logging.getLogger(__name__)
GRADED_BY: GradedBy = "cluster"


def make_executor(settings: WorkerSettings) -> Executor:
    if settings.executor == "thread":
        return ThreadPoolExecutor(settings.concurrency, thread_name_prefix="grade")
    return ProcessPoolExecutor(
        settings.concurrency,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=ignore_shutdown_signals,
    )


class Worker:
    """One grader worker process (``concurrency`` slots)."""

    def __init__(
        self,
        settings: WorkerSettings,
        redis: aioredis.Redis,
        registry: CollectorRegistry,
        executor: Executor,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.executor = executor
        self.queue = GradingQueue(redis, settings.group, settings.lease_ms, settings.max_deliveries)
        self.worker_metrics = WorkerMetrics(registry)
        self.grading_metrics = GradingMetrics(registry)
        self.queue_metrics = QueueMetrics(registry)
        self.busy = BusyTracker(self.worker_metrics, settings.concurrency)
        self.stop = asyncio.Event()
        self.in_flight: dict[str, GradingJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Claim and grade until :attr:`stop` is set, then drain in-flight work."""
        done = asyncio.Event()
        background = [
            asyncio.create_task(sample_busy(self.busy, done)),
            asyncio.create_task(self._heartbeat(done)),
        ]
        if self.settings.export_queue_stats:
            background.append(
                asyncio.create_task(
                    collect_queue_stats(
                        self.queue, self.queue_metrics, done, self.settings.queue_stats_interval_s
                    )
                )
            )
        log.info("worker %s started with %d slots", self.settings.worker_id, self.busy.slots)
        try:
            await self._claim_loop()
            with contextlib.suppress(Exception):  # unreleased buffered jobs expire with the lease
                await self.queue.close()
            await self._drain()
        finally:
            done.set()
            await asyncio.gather(*background, return_exceptions=True)
        log.info("worker %s stopped", self.settings.worker_id)

    async def _claim_loop(self) -> None:
        backoff = 0.1
        while not self.stop.is_set():
            free = self.settings.concurrency - len(self._tasks)
            if free <= 0:
                await self._wait_for_slot()
                continue
            try:
                jobs = await self.queue.claim(self.settings.worker_id, free, self.settings.block_ms)
            except Exception:  # Redis down or a transient server error: back off, retry
                log.warning("claim failed; retrying in %.1fs", backoff, exc_info=True)
                await self._sleep_unless_stopped(backoff)
                backoff = min(5.0, backoff * 2)
                continue
            backoff = 0.1
            for job in jobs:
                self._spawn(job)

    def _spawn(self, job: GradingJob) -> None:
        self.in_flight[job.entry_id] = job
        self.busy.start()
        task = asyncio.create_task(self._process(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait_for_slot(self) -> None:
        stop_wait = asyncio.create_task(self.stop.wait())
        await asyncio.wait({*self._tasks, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        log.info("draining %d in-flight jobs", len(self._tasks))
        _done, pending = await asyncio.wait(self._tasks, timeout=self.settings.shutdown_timeout_s)
        if pending:
            log.warning("%d jobs still running at shutdown; their leases will expire", len(pending))

    async def _process(self, job: GradingJob) -> None:
        """Grade one job. Idempotency key of the write: (submission_id, key_version)."""
        outcome = "failed"
        try:
            work = await self.queue.load_work(job)
            if self.settings.debug_grade_delay_s:
                await asyncio.sleep(self.settings.debug_grade_delay_s)
            loop = asyncio.get_running_loop()
            grade = await loop.run_in_executor(self.executor, grade_work, work)
            wrote = await self.queue.complete(job, work, grade, GRADED_BY, self.settings.worker_id)
            outcome = "graded" if wrote else "duplicate"
            if wrote:
                latency = (datetime.now(UTC) - job.enqueued_at).total_seconds()
                self.grading_metrics.latency.labels(GRADED_BY).observe(max(0.0, latency))
            log.info("job %s of %s: %s", job.entry_id, job.submission_id, outcome)
        except Exception as exc:  # any grading or storage error counts as one failed delivery
            outcome = await self._fail(job, exc)
        finally:
            self.in_flight.pop(job.entry_id, None)
            self.busy.finish()
            self.grading_metrics.graded.labels(outcome, GRADED_BY).inc()

    async def _fail(self, job: GradingJob, exc: Exception) -> str:
        log.warning("job %s of %s failed: %s", job.entry_id, job.submission_id, exc)
        try:
            moved = await self.queue.fail(
                job, f"{type(exc).__name__}: {exc}", self.settings.retry_in_ms
            )
        except Exception:
            log.warning("could not record the failure; the lease will expire", exc_info=True)
            return "failed"
        if moved:
            self.grading_metrics.dead_lettered.inc()
            return "dead_lettered"
        return "failed"

    async def _heartbeat(self, done: asyncio.Event) -> None:
        interval = (self.settings.heartbeat_ms or self.settings.lease_ms // 3) / 1000
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), interval)
            if self.in_flight:
                try:
                    await self.queue.extend(list(self.in_flight.values()))
                except Exception:
                    log.warning("lease heartbeat failed", exc_info=True)


async def serve(settings: WorkerSettings, registry: CollectorRegistry) -> None:
    """Run a worker until SIGTERM/SIGINT; the caller serves ``registry`` on /metrics."""
    import signal

    redis = create_redis(settings.redis_url, max_connections=settings.concurrency * 2 + 8)
    executor = make_executor(settings)
    worker = Worker(settings, redis, registry, executor)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop.set)
    started = time.monotonic()
    try:
        await worker.run()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        await redis.aclose()
        log.info("worker ran %.1fs", time.monotonic() - started)
