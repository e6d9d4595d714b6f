"""Prometheus metrics of the assessment engine, defined once (names from ``docs/contracts.md``).

Each deployable builds the groups it exports on its own registry and serves that registry, so
an API process never exports an idle worker's ``assessment_worker_busy_ratio`` (which would pull
``avg(assessment_worker_busy_ratio)``, the autoscaler's utilization signal, towards zero):

- grader workers: :class:`WorkerMetrics` + :class:`GradingMetrics` + :class:`QueueMetrics`;
- the overflow dispatcher: :class:`GradingMetrics` (``graded_by="lambda"``), :class:`QueueMetrics`;
- the API: :class:`QueueMetrics` for the live monitor, if it wants them.

:class:`BusyTracker` turns start/finish of grading work into the busy ratio, averaged over a
sliding window so a 1 s scrape sees the fraction of slot-time that was busy, not a 0/1 blip.
:func:`collect_queue_stats` is the periodic exporter of the queue gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from assessment_engine.storage.models import QueueStats

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class WorkerMetrics:
    """Per-worker utilization: busy ratio (0..1), busy slot-seconds, slots."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.busy_ratio = Gauge(
            "assessment_worker_busy_ratio",
            "Fraction of this worker's grading slots busy over the last sampling window (0..1).",
            registry=registry,
        )
        self.busy_seconds = Counter(
            "assessment_worker_busy_seconds",
            "Slot-seconds spent grading (rate / slots = busy ratio).",
            registry=registry,
        )
        self.slots = Gauge(
            "assessment_worker_slots", "Concurrent grading slots of this worker.", registry=registry
        )


class GradingMetrics:
    """Grading outcomes and receive-to-result latency, for workers (cluster) and Lambda."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.latency = Histogram(
            "assessment_grading_latency_seconds",
            "Time from grading-job enqueue (submission receive) to stored result.",
            ["graded_by"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.graded = Counter(
            "assessment_graded",
            "Grading attempts by outcome: graded (result written), duplicate (already graded),"
            " failed (will be retried), dead_lettered.",
            ["outcome", "graded_by"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            "assessment_dead_lettered",
            "Grading jobs moved to a dead-letter stream by this process.",
            registry=registry,
        )


class QueueMetrics:
    """Queue gauges, set from :meth:`GradingQueue.stats` (totals over all exams)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.length = Gauge(
            "assessment_grading_queue_length",
            "Grading jobs not yet delivered to any grader.",
            registry=registry,
        )
        self.pending = Gauge(
            "assessment_grading_pending_jobs",
            "Grading jobs delivered and not yet completed (in flight).",
            registry=registry,
        )
        self.oldest_age = Gauge(
            "assessment_grading_oldest_pending_age_seconds",
            "Age since enqueue of the oldest grading job not yet completed.",
            registry=registry,
        )
        self.dead_letters = Gauge(
            "assessment_grading_dead_letters",
            "Jobs currently in dead-letter streams.",
            registry=registry,
        )

    def update(self, stats: QueueStats) -> None:
        self.length.set(stats.length)
        self.pending.set(stats.pending)
        self.oldest_age.set(stats.oldest_pending_age_seconds)
        self.dead_letters.set(stats.dead_letters)


class BusyTracker:
    """Integrates in-flight work over time; ``sample()`` sets the busy-ratio gauge.

    The ratio is busy slot-seconds divided by available slot-seconds over the last ``window_s``
    (a work item that ran 0.3 s of a 1 s window on one of two slots gives 0.15).
    """

    def __init__(
        self,
        metrics: WorkerMetrics,
        slots: int,
        window_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._metrics = metrics
        self.slots = slots
        self.in_flight = 0
        self._window_s = window_s
        self._clock = clock
        self._integral = 0.0
        self._last_change = clock()
        self._counted = 0.0
        self._history: deque[tuple[float, float]] = deque([(self._last_change, 0.0)])
        metrics.slots.set(slots)

    def _advance(self) -> float:
        now = self._clock()
        self._integral += self.in_flight * (now - self._last_change)
        self._last_change = now
        return now

    def start(self) -> None:
        self._advance()
        self.in_flight += 1

    def finish(self) -> None:
        self._advance()
        self.in_flight = max(0, self.in_flight - 1)

    def sample(self) -> float:
        """Update the gauge and the busy-seconds counter; returns the ratio."""
        now = self._advance()
        self._metrics.busy_seconds.inc(self._integral - self._counted)
        self._counted = self._integral
        self._history.append((now, self._integral))
        while len(self._history) > 2 and now - self._history[1][0] >= self._window_s:
            self._history.popleft()
        then, integral_then = self._history[0]
        span = now - then
        ratio = (self._integral - integral_then) / (self.slots * span) if span > 0 else 0.0
        ratio = min(1.0, max(0.0, ratio))
        self._metrics.busy_ratio.set(ratio)
        return ratio


async def sample_busy(tracker: BusyTracker, stop: asyncio.Event, interval_s: float = 0.25) -> None:
    """Sample ``tracker`` every ``interval_s`` until ``stop`` is set."""
    while not stop.is_set():
        tracker.sample()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
    tracker.sample()


class _StatsSource(Protocol):
    """Anything with ``async stats() -> QueueStats`` (a ``GradingQueue``)."""

    async def stats(self) -> QueueStats: ...


async def collect_queue_stats(
    queue: _StatsSource, metrics: QueueMetrics, stop: asyncio.Event, interval_s: float = 1.0
) -> None:
    """Export the queue gauges every ``interval_s`` until ``stop`` is set (errors are logged)."""
    while not stop.is_set():
        try:
            metrics.update(await queue.stats())
        except Exception:  # a Redis blip must not kill the exporter
            log.warning("queue stats collection failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
