"""The per-replica fan-out: one tail of ``events:domain``, bounded queues per open stream.

Created by the app's lifespan; used by ``notifications.streams``. Every replica reads every
event (plain XREAD, no consumer group: each holds its own clients). ``publish`` offers an event
to each subscription whose filter accepts it with ``put_nowait``; a full queue marks the client
``overflowed`` and unsubscribes it, so a slow client costs at most ``client_queue_size`` events.
The stream then ends with an ``overflow`` event and the client resumes with ``Last-Event-ID``,
served by ``replay`` from Redis (paged XRANGE), not from memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from assessment_engine.storage import keys
from assessment_engine.storage.attempts import attempts_index
from assessment_engine.storage.events import DomainEvent, parse_event
from assessment_engine.storage.queue import GradingQueue
from platform_services.notifications.errors import TooManyStreamsError
from platform_services.notifications.metrics import NotifyMetrics
from platform_services.notifications.settings import NotifySettings

log = logging.getLogger(__name__)
Accepts = Callable[[DomainEvent], bool]


class Subscription:
    def __init__(self, accepts: Accepts, size: int) -> None:
        self.accepts = accepts
        self.queue: asyncio.Queue[DomainEvent] = asyncio.Queue(maxsize=size)
        self.overflowed = False


def _parse_entries(reply: Any) -> list[DomainEvent]:
    events: list[DomainEvent] = []
    for entry_id, fields in reply or []:
        try:
            events.append(parse_event(entry_id, fields))
        except (KeyError, ValueError) as exc:
            log.error("malformed domain event skipped", extra={"id": entry_id, "error": str(exc)})
    return events


class Hub:
    def __init__(
        self, redis: aioredis.Redis, settings: NotifySettings, metrics: NotifyMetrics
    ) -> None:
        self.redis = redis
        self.settings = settings
        self.metrics = metrics
        self._subs: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._last_id = "0-0"
        self._high_water = 0
        self._backlog: tuple[float, dict[str, dict[str, Any]]] | None = None
        self._backlog_lock = asyncio.Lock()

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        newest: Any = await self.redis.xrevrange(keys.DOMAIN_EVENTS, count=1)
        self._last_id = newest[0][0].decode() if newest else "0-0"
        self._task = asyncio.create_task(self._tail())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _tail(self) -> None:
        while True:
            try:
                reply: Any = await self.redis.xread(
                    {keys.DOMAIN_EVENTS: self._last_id},
                    count=self.settings.tail_count,
                    block=self.settings.tail_block_ms,
                )
            except (RedisError, OSError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc
                log.warning("tail read failed, retrying", extra={"error": str(exc)})
                await asyncio.sleep(1.0)
                continue
            for _stream, entries in reply or []:
                if entries:
                    last = entries[-1][0]
                    self._last_id = last.decode() if isinstance(last, bytes) else str(last)
                for event in _parse_entries(entries):
                    self.metrics.tailed.inc()
                    self.publish(event)

    # --- subscriptions ---------------------------------------------------------------------
    def check_capacity(self) -> None:
        if len(self._subs) >= self.settings.max_streams:
            raise TooManyStreamsError("this replica holds its maximum of open streams")

    def subscribe(self, accepts: Accepts) -> Subscription:
        subscription = Subscription(accepts, self.settings.client_queue_size)
        self._subs.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subs.discard(subscription)

    def publish(self, event: DomainEvent) -> None:
        """Offer ``event`` to every accepting subscription without ever waiting."""
        for subscription in list(self._subs):
            if not subscription.accepts(event):
                continue
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                subscription.overflowed = True
                self.unsubscribe(subscription)
                self.metrics.overflows.inc()
                continue
            depth = subscription.queue.qsize()
            if depth > self._high_water:
                self._high_water = depth
                self.metrics.queue_high_water.set(depth)

    # --- reads from Redis ------------------------------------------------------------------
    async def replay(self, after: str, accepts: Accepts) -> AsyncIterator[DomainEvent]:
        """Accepted events after stream id ``after``, oldest first, paged (constant memory)."""
        cursor = after
        while True:
            page: Any = await self.redis.xrange(
                keys.DOMAIN_EVENTS, min=f"({cursor}", max="+", count=self.settings.replay_page
            )
            if not page:
                return
            last = page[-1][0]
            cursor = last.decode() if isinstance(last, bytes) else str(last)
            for event in _parse_entries(page):
                if accepts(event):
                    yield event

    async def participates(self, exam_id: str, student_id: str) -> bool:
        """Did the student start an attempt of the exam (the assessment engine's index)?"""
        return bool(await self.redis.sismember(attempts_index(exam_id), student_id))

    async def backlog(self, exam_id: str) -> dict[str, Any]:
        """Grading backlog of one exam, from one shared stats read per interval per replica."""
        async with self._backlog_lock:
            now = time.monotonic()
            if (
                self._backlog is None
                or now - self._backlog[0] > self.settings.backlog_interval_seconds
            ):
                stats = await GradingQueue(self.redis).stats()
                self._backlog = (now, {e.exam_id: e.model_dump() for e in stats.exams})
            exams = self._backlog[1]
        return exams.get(exam_id) or {
            "exam_id": exam_id,
            "length": 0,
            "pending": 0,
            "oldest_pending_age_seconds": 0.0,
            "dead_letters": 0,
        }
