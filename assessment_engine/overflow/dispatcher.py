"""The overflow dispatcher: while the decision says overflow, grade queued work on Lambda.

Started by ``assessment-engine dispatcher`` (``cli.py``) and by tests/benchmarks. It claims new
jobs from the same consumer group as the cluster workers (consumer ``dispatcher-<id>``, never
reclaiming: released and crashed jobs are left to the workers), batches up to the record's
``batch_size``, and keeps at most ``max_lambda_concurrency`` invokes in flight. Results go through
``GradingQueue.complete(graded_by="lambda")``; idempotency key: (submission_id, key_version), so a
duplicate delivery or a job graded meanwhile by a worker still yields one final result. On a
throttle, timeout or error it backs off (exponential, full jitter) and ``release``s the jobs to
the cluster; per-item failures are released individually. Every question type spills, code
questions included (the function runs them in its sandbox on the rlimit layer and says so in
the response's ``sandbox``, counted in ``overflow_sandbox_batches_total{layer}``).

Reaction: the watcher wakes the loop the moment a notice changes the record (``wait_change``
on its version, so a flip that lands between the loop's check and its wait is not lost), and the
loop claims and invokes at once, without waiting for its next poll. Each spilling episode (from
the loop first seeing ``overflow`` until it stops) logs ``first invoke after flip`` and ``first
spilled result stored`` once and observes them in ``overflow_reaction_seconds{step}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from assessment_engine.contracts.decision_record import DecisionRecord
from assessment_engine.grading import GRADER_VERSION
from assessment_engine.metrics import GradingMetrics
from assessment_engine.overflow.backoff import Backoff
from assessment_engine.overflow.batch import build_payload, split_response
from assessment_engine.overflow.cost import CostModel, billed_ms_from_log
from assessment_engine.overflow.errors import InvokeFailedError, InvokeThrottledError
from assessment_engine.overflow.invoker import InvokeResult, LambdaInvoker
from assessment_engine.overflow.metrics import OverflowMetrics
from assessment_engine.overflow.settings import DispatcherSettings
from assessment_engine.overflow.watcher import DecisionWatcher
from assessment_engine.storage.errors import RecordNotFoundError
from assessment_engine.storage.models import GradingJob, GradingWork
from assessment_engine.storage.queue import GradingQueue

log = logging.getLogger(__name__)

MODES = ("cluster", "overflow", "prewarm")


@dataclass
class Episode:
    """One stretch of spilling: from the loop first seeing ``overflow`` until it stops."""

    generation: int
    noticed_at: float
    """``time.monotonic()`` when the loop first saw the overflow decision."""
    invoked: bool = False
    stored: bool = False


class Dispatcher:
    def __init__(
        self,
        settings: DispatcherSettings,
        redis: Any,
        registry: CollectorRegistry | None = None,
        invoker: LambdaInvoker | None = None,
        watcher: DecisionWatcher | None = None,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.queue = GradingQueue(
            redis,
            group=settings.group,
            lease_ms=settings.lease_ms,
            max_deliveries=settings.max_deliveries,
        )
        self.registry = registry or CollectorRegistry()
        self.metrics = OverflowMetrics(self.registry)
        self.grading_metrics = GradingMetrics(self.registry)
        self.watcher = watcher or DecisionWatcher(
            redis, settings.queue, settings.on_missing, settings.poll_interval_s
        )
        self.invoker = invoker or LambdaInvoker(settings)
        self.backoff = Backoff(settings.backoff_base_s, settings.backoff_max_s)
        self.cost = CostModel(
            settings.function_memory_mb, settings.price_per_gb_second, settings.price_per_request
        )
        self._executor = ThreadPoolExecutor(
            max_workers=settings.max_concurrency_cap, thread_name_prefix="lambda-invoke"
        )
        self._active = 0
        """Batches claimed and not finished (each holds one concurrency slot)."""
        self._in_flight = 0
        self._slot_freed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.episode: Episode | None = None
        """The current spilling episode, None while not spilling."""
        self.episodes = 0

    # ------------------------------------------------------------------- loop
    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until ``stop`` is set; then let in-flight batches finish."""
        watcher = asyncio.create_task(self.watcher.run(stop))
        try:
            await self._first_read(stop)
            while not stop.is_set():
                seen = self.watcher.version
                record = self._spill_record()
                self._track_episode(record)
                if record is None:
                    await self._hand_back_claimed("not_spilling")
                    await self._pause(stop, seen)
                    continue
                limit = min(record.max_lambda_concurrency, self.settings.max_concurrency_cap)
                if self._active >= limit:
                    self._slot_freed.clear()
                    await self._pause(stop, seen, self._slot_freed)
                    continue
                try:
                    jobs = await self.queue.claim(
                        self.settings.consumer,
                        record.batch_size,
                        block_ms=self.settings.claim_block_ms,
                        reclaim=False,
                    )
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    log.warning("claim failed; pausing", exc_info=True)
                    await self._pause(stop, seen)
                    continue
                if not jobs:
                    continue
                if self._spill_record() is None:  # the decision changed while we waited
                    await self._release(jobs, "decision_changed")
                    await self._hand_back_claimed("decision_changed")
                    continue
                self._active += 1
                self._start(self._run_batch(jobs, record, self.episode))
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._hand_back_claimed("stopped", close=True)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self._executor.shutdown(wait=False)

    async def _hand_back_claimed(self, reason: str, *, close: bool = False) -> None:
        """Release jobs the queue read for us beyond a batch (it reads at least one per stream)
        but we never started: they are ours in the consumer group, so without this the cluster
        workers would see them only after the lease. Cheap when there are none (no Redis call).
        """
        held = self.queue.read_ahead
        if not held and not close:
            return
        try:
            await self.queue.hand_back_read_ahead()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            log.warning("could not hand back %d claimed jobs; their lease frees them", held)
            return
        if held:
            self.metrics.released.labels(reason).inc(held)
            log.info("handed %d claimed jobs back to the cluster (%s)", held, reason)

    async def _first_read(self, stop: asyncio.Event) -> None:
        """Wait for the watcher's first read of the record (or ``stop``)."""
        waits = [asyncio.create_task(stop.wait()), asyncio.create_task(self.watcher.started.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()

    def _track_episode(self, record: DecisionRecord | None) -> None:
        if record is None:
            self.episode = None
        elif self.episode is None:
            self.episodes += 1
            self.episode = Episode(record.generation, time.monotonic())
            log.info(
                "spilling started",
                extra={"event": "spill_started", "generation": record.generation},
            )

    def _reached(self, episode: Episode | None, step: str) -> None:
        """Log and observe the first invoke / first stored result of ``episode`` once."""
        if episode is None:
            return
        if step == "first_invoke":
            if episode.invoked:
                return
            episode.invoked = True
        else:
            if episode.stored:
                return
            episode.stored = True
        elapsed = time.monotonic() - episode.noticed_at
        self.metrics.reaction.labels(step).observe(elapsed)
        message = (
            "first invoke after flip" if step == "first_invoke" else ("first spilled result stored")
        )
        log.info(
            message,
            extra={"event": step, "generation": episode.generation, "after_s": round(elapsed, 4)},
        )

    def _spill_record(self) -> DecisionRecord | None:
        """The record to act on if we should spill right now, else None."""
        mode, _reason = self.watcher.effective(datetime.now(UTC))
        for name in MODES:
            self.metrics.mode.labels(name).set(1 if name == mode else 0)
        record = self.watcher.record
        if mode != "overflow" or record is None or record.max_lambda_concurrency < 1:
            return None
        if self.backoff.wait_s(time.monotonic()) > 0:
            return None
        return record

    async def _pause(
        self, stop: asyncio.Event, seen: int, extra: asyncio.Event | None = None
    ) -> None:
        """Wait for a decision change since version ``seen``, ``extra``, ``stop``, the end of a
        back-off, or at most the poll interval (expiry is a matter of time, not of notices)."""
        seconds = self.watcher.poll_interval_s
        backing_off = self.backoff.wait_s(time.monotonic())
        if backing_off > 0:
            seconds = min(seconds, backing_off)
        waits = [
            asyncio.create_task(stop.wait()),
            asyncio.create_task(self.watcher.wait_change(seen, seconds)),
        ]
        if extra is not None:
            waits.append(asyncio.create_task(extra.wait()))
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()

    def _start(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ batch
    async def _run_batch(
        self, jobs: Sequence[GradingJob], record: DecisionRecord, episode: Episode | None
    ) -> None:
        try:
            await self.process_batch(jobs, record, episode)
        except Exception:
            log.exception("batch failed unexpectedly; releasing its jobs to the cluster")
            with contextlib.suppress(Exception):
                await self._release(jobs, "dispatcher_error")
        finally:
            self._active -= 1
            self._slot_freed.set()

    async def process_batch(
        self, jobs: Sequence[GradingJob], record: DecisionRecord, episode: Episode | None = None
    ) -> None:
        """Grade ``jobs`` with one invoke; write results, release everything else."""
        works, jobs_by_sid = await self._load(jobs)
        if not works:
            return
        function = self.settings.function_override or record.function
        self._in_flight += 1
        self.metrics.in_flight.set(self._in_flight)
        heartbeat = asyncio.create_task(self._heartbeat(list(jobs_by_sid.values())))
        self._reached(episode, "first_invoke")
        try:
            result = await self._invoke(function, record.qualifier, build_payload(works))
        except InvokeFailedError as exc:
            self._record_failure(exc)
            await self._release(list(jobs_by_sid.values()), exc.kind)
            return
        finally:
            heartbeat.cancel()
            self._in_flight -= 1
            self.metrics.in_flight.set(self._in_flight)
        self.backoff.succeeded()
        self._account(result)
        sandbox = result.body.get("sandbox")
        if isinstance(sandbox, dict):  # the batch had code questions
            self.metrics.sandbox_batches.labels(str(sandbox.get("layer", "unknown"))).inc()
        split = split_response(result.body, list(jobs_by_sid), GRADER_VERSION)
        works_by_sid = {work.submission_id: work for work in works}
        for sid, grade in split.grades.items():
            job = jobs_by_sid[sid]
            wrote = await self.queue.complete(
                job, works_by_sid[sid], grade, "lambda", self.settings.consumer
            )
            self.metrics.spilled.inc()
            outcome = "graded" if wrote else "duplicate"
            self.grading_metrics.graded.labels(outcome, "lambda").inc()
            if wrote:
                self._reached(episode, "first_result")
                latency = (datetime.now(UTC) - job.enqueued_at).total_seconds()
                self.grading_metrics.latency.labels("lambda").observe(max(0.0, latency))
        for sid, error in split.failures.items():
            log.warning("lambda could not grade %s: %s; releasing to the cluster", sid, error)
            await self._release([jobs_by_sid[sid]], "item_failure")

    async def _load(
        self, jobs: Sequence[GradingJob]
    ) -> tuple[list[GradingWork], dict[str, GradingJob]]:
        works: list[GradingWork] = []
        jobs_by_sid: dict[str, GradingJob] = {}
        for job in jobs:
            if job.submission_id in jobs_by_sid:  # the same submission twice in one batch
                await self._release([job], "duplicate_in_batch")
                continue
            try:
                work = await self.queue.load_work(job)
            except RecordNotFoundError as exc:
                await self.queue.fail(job, str(exc))
                self.grading_metrics.graded.labels("failed", "lambda").inc()
                continue
            works.append(work)
            jobs_by_sid[job.submission_id] = job
        return works, jobs_by_sid

    async def _invoke(
        self, function: str, qualifier: str | None, payload: dict[str, Any]
    ) -> InvokeResult:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            return await loop.run_in_executor(
                self._executor, self.invoker.invoke, function, qualifier, payload
            )
        finally:
            self.metrics.duration.observe(time.perf_counter() - started)

    async def _heartbeat(self, jobs: list[GradingJob]) -> None:
        """Keep the leases of jobs in an invoke alive so workers do not grade them meanwhile."""
        interval = self.settings.lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self.queue.extend(jobs)

    def _record_failure(self, exc: InvokeFailedError) -> None:
        pause = self.backoff.failed(time.monotonic())
        if isinstance(exc, InvokeThrottledError):
            self.metrics.throttles.labels(exc.reason or "unknown").inc()
        else:
            self.metrics.errors.labels(exc.kind).inc()
        log.warning("invoke failed (%s); backing off %.2fs, releasing to cluster", exc, pause)

    def _account(self, result: InvokeResult) -> None:
        billed_ms = billed_ms_from_log(result.log_tail)
        if billed_ms is None:
            billed_ms = int(result.wall_s * 1000) + 1
        self.metrics.gb_seconds.inc(self.cost.gb_seconds(billed_ms))
        self.metrics.cost.inc(self.cost.dollars(billed_ms))

    async def _release(self, jobs: Sequence[GradingJob], reason: str) -> None:
        for job in jobs:
            await self.queue.release(job)
            self.metrics.released.labels(reason).inc()
